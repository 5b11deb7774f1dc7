/**
 * Real samples from ../shared/data for backend tests and benches, read with minimal ad-hoc
 * parsing (the backends must not depend on the data layer's adapters to be tested).
 * COCO val2017 captions are joined as `context` where an image has them, as the data layer does.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Sample } from "../../../src/data/sample.ts"

export const defaultDataRoot = fileURLToPath(new URL("../../../../shared/data", import.meta.url))

const json = (root: string, rel: string): unknown => JSON.parse(readFileSync(join(root, rel), "utf8"))
const jsonl = (root: string, rel: string): Array<any> =>
  readFileSync(join(root, rel), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))

/** RFC 4180 CSV (quoted fields may hold commas, quotes and newlines); rows as header-keyed records. */
export const parseCsv = (text: string): Array<Record<string, string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let field = ""
  let q = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (q) {
      if (c === '"') {
        if (text[i + 1] === '"') (field += '"'), i++
        else q = false
      } else field += c
    } else if (c === '"') q = true
    else if (c === ",") row.push(field), (field = "")
    else if (c === "\n") row.push(field), rows.push(row), (row = []), (field = "")
    else if (c !== "\r") field += c
  }
  if (field !== "" || row.length > 0) row.push(field), rows.push(row)
  const [head, ...body] = rows
  return body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ""])))
}

const cocoId = (s: string | number): string => String(Number(String(s).replace(/\D+/g, " ").trim().split(" ").pop()))
const stripImage = (s: string) => s.replace(/<image>\n?|\n?<image>/g, "").trim()

const llavaConv = (dataset: string, file: string, rows: Array<any>): Array<Sample> =>
  rows.map((r, index) => {
    const turns: Array<{ instruction: string; references: Array<string> }> = []
    const c = r.conversations as Array<{ from: string; value: string }>
    for (let i = 0; i + 1 < c.length; i += 2) turns.push({ instruction: stripImage(c[i]!.value), references: [c[i + 1]!.value] })
    return { id: String(r.id), dataset, image: { id: String(r.id), path: r.image }, turns, origin: { file, index } }
  })

export interface RealDataset {
  readonly id: string
  readonly samples: ReadonlyArray<Sample>
}

/** About 38k samples over 10 datasets, every file read as it is in ../shared/data. */
export const loadRealDatasets = (root: string = defaultDataRoot): Array<RealDataset> => {
  const caps = json(root, "coco-captions-val2017/captions_val2017.json") as {
    images: Array<{ id: number; file_name: string }>
    annotations: Array<{ image_id: number; id: number; caption: string }>
  }
  const byImage = new Map<string, Array<{ id: number; caption: string }>>()
  for (const a of caps.annotations) {
    const k = String(a.image_id)
    const l = byImage.get(k) ?? []
    l.push(a)
    byImage.set(k, l)
  }
  const context = (imageId: string): { context?: string } => {
    const l = byImage.get(imageId)
    return l === undefined ? {} : { context: l.sort((x, y) => x.id - y.id).map((a) => a.caption.trim()).join(" ") }
  }
  const out: Array<RealDataset> = []

  out.push({
    id: "llava-instruct-100",
    samples: llavaConv("llava-instruct-100", "llava-instruct-100/llava_instruct_100.json", json(root, "llava-instruct-100/llava_instruct_100.json") as Array<any>)
  })
  out.push({
    id: "llava-pretrain",
    samples: llavaConv("llava-pretrain", "llava-pretrain-lcs-2k/blip_laion_cc_sbu_2k.json", json(root, "llava-pretrain-lcs-2k/blip_laion_cc_sbu_2k.json") as Array<any>)
  })
  out.push({
    id: "llava-sampled",
    samples: parseCsv(readFileSync(join(root, "llava-instruct-sampled-500/llava_sampled.csv"), "utf8")).map((r, i) => ({
      id: r["id"]!,
      dataset: "llava-sampled",
      image: { id: cocoId(r["image"]!), path: r["image"]! },
      turns: [{ instruction: r["text_input"]!, references: [r["text_output"]!] }],
      origin: { file: "llava-instruct-sampled-500/llava_sampled.csv", line: i + 2 }
    }))
  })
  out.push({
    id: "aokvqa",
    samples: (json(root, "aokvqa-val/aokvqa_v1p0_val.json") as Array<any>).map((r, index) => ({
      id: r.question_id,
      dataset: "aokvqa",
      image: { id: String(r.image_id), path: r.image },
      ...context(String(r.image_id)),
      turns: [{ instruction: r.question, references: r.rationales }],
      origin: { file: "aokvqa-val/aokvqa_v1p0_val.json", index }
    }))
  })
  out.push({
    id: "okvqa",
    samples: (json(root, "okvqa-val/okvqa_test_split.json") as Array<any>).map((r, index) => ({
      id: String(r.question_id),
      dataset: "okvqa",
      image: { id: String(r.image_id) },
      ...context(String(r.image_id)),
      turns: [{ instruction: r.question, references: r.answers }],
      origin: { file: "okvqa-val/okvqa_test_split.json", index }
    }))
  })
  const vqax: Array<Sample> = []
  for (const f of ["vqa-x/vqaX_test.json", "vqa-x/vqaX_val.json"]) {
    Object.entries(json(root, f) as Record<string, any>).forEach(([qid, r], index) => {
      const answer = r.answers[0]?.answer ?? ""
      vqax.push({
        id: qid,
        dataset: "vqa-x",
        image: { id: String(Number(r.image_id)), path: r.image_name },
        ...context(String(Number(r.image_id))),
        turns: [{ instruction: r.question, references: r.explanation.map((e: string) => `${answer} because ${e}`) }],
        origin: { file: f, index }
      })
    })
  }
  out.push({ id: "vqa-x", samples: vqax })
  const pope: Array<Sample> = []
  for (const v of ["random", "popular", "adversarial"]) {
    const f = `pope-coco/coco_pope_${v}.json`
    jsonl(root, f).forEach((r, i) => {
      const img = cocoId(r.image)
      pope.push({
        id: `${v}-${r.question_id}`,
        dataset: "pope",
        image: { id: img, path: r.image },
        ...context(img),
        turns: [{ instruction: r.text, references: [r.label] }],
        origin: { file: f, line: i + 1 }
      })
    })
  }
  out.push({ id: "pope", samples: pope })
  out.push({
    id: "coco-captions",
    samples: caps.images.map((im, index) => ({
      id: String(im.id),
      dataset: "coco-captions",
      image: { id: String(im.id), path: im.file_name },
      turns: [{
        instruction: "Describe the image briefly.",
        references: (byImage.get(String(im.id)) ?? []).map((a) => a.caption.trim())
      }],
      origin: { file: "coco-captions-val2017/captions_val2017.json", index }
    }))
  })
  out.push({
    id: "gqa",
    samples: parseCsv(readFileSync(join(root, "gqa-testdev-balanced/GQA_Result_compare.csv"), "utf8")).map((r, i) => ({
      id: r["question_id"]!,
      dataset: "gqa",
      image: { id: r["image_id"]!.replace(/\.jpg$/, ""), path: r["image_id"]! },
      turns: [{ instruction: r["question"]!, references: [r["full_answer"]!] }],
      origin: { file: "gqa-testdev-balanced/GQA_Result_compare.csv", line: i + 2 }
    }))
  })
  const answers = new Map(jsonl(root, "llava-bench-coco/qa90_gpt4_answer.jsonl").map((r) => [r.question_id, r.text as string]))
  out.push({
    id: "llava-bench",
    samples: jsonl(root, "llava-bench-coco/qa90_questions.jsonl").map((r, i) => ({
      id: String(r.question_id),
      dataset: "llava-bench",
      image: { id: cocoId(r.image), path: r.image },
      turns: [{ instruction: r.text, references: [answers.get(r.question_id) ?? ""] }],
      origin: { file: "llava-bench-coco/qa90_questions.jsonl", line: i + 1 }
    }))
  })
  return out
}

/** Deterministic split as DESIGN.md describes (seeded hash of dataset id and sample id). */
export const split = (d: RealDataset, evalFraction = 0.2, seed = "revo") => {
  const train: Array<Sample> = []
  const evalSet: Array<Sample> = []
  for (const s of d.samples) {
    const h = createHash("sha256").update(`${seed}\0${d.id}\0${s.id}`).digest().readUInt32BE(0) / 2 ** 32
    ;(h < evalFraction ? evalSet : train).push(s)
  }
  return { train, eval: evalSet }
}
