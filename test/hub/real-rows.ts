/**
 * REVO-LION-shaped rows built from the real files in ../shared/data: LLaVA-Instruct multi-turn
 * conversations and OK-VQA questions with their 10 answers. SQ values are a deterministic hash
 * of the id mapped onto full-precision doubles, so exact float round trips are exercised.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { imageIdOf } from "../../src/data/image-id.ts"
import type { SampleRow, SqRow } from "../../src/hub/parquet.ts"

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/${p}`, import.meta.url))

/** A double in [0, 2) from a string, with all 52 mantissa bits in use. */
export const hashDouble = (s: string): number => createHash("sha256").update(s).digest().readUInt32BE(0) / 2 ** 31 + 1 / 3

interface LlavaRecord { id: string; image: string; conversations: Array<{ from: string; value: string }> }
interface OkvqaRecord { image_id: number; answers: Array<string>; question_id: number; question: string }

export const llavaRows = (): Array<SampleRow> => {
  const data = JSON.parse(readFileSync(shared("data/llava-instruct-100/llava_instruct_100.json"), "utf8")) as Array<LlavaRecord>
  return data.map((r) => {
    const turns: Array<{ instruction: string; references: Array<string> }> = []
    for (let i = 0; i + 1 < r.conversations.length; i += 2) {
      turns.push({ instruction: r.conversations[i]!.value.replace(/\n?<image>\n?/g, "").trim(), references: [r.conversations[i + 1]!.value] })
    }
    return {
      id: r.id, dataset: "llava-instruct-100", sample_key: `llava-instruct-100/${r.id}`, image: r.image, image_id: imageIdOf(r.image, "coco") ?? null,
      context: null, turns, sq: hashDouble(`llava/${r.id}`)
    }
  })
}

export const okvqaRows = (n: number): Array<SampleRow> => {
  const data = JSON.parse(readFileSync(shared("data/okvqa-val/okvqa_test_split.json"), "utf8")) as Array<OkvqaRecord>
  return data.slice(0, n).map((r) => ({
    id: String(r.question_id),
    dataset: "okvqa-val",
    sample_key: `okvqa-val/${r.question_id}`,
    image: String(r.image_id),
    image_id: String(r.image_id),
    context: null,
    turns: [{ instruction: r.question, references: r.answers }],
    sq: hashDouble(`okvqa/${r.question_id}`)
  }))
}

export const sqRowsFor = (rows: ReadonlyArray<SampleRow>, models: ReadonlyArray<string>): Array<SqRow> =>
  rows.map((r) => {
    const per_model = models.filter((m) => m !== r.dataset).map((model) => ({ model, value: hashDouble(`${model}/${r.id}`) }))
    return { id: r.id, dataset: r.dataset, sample_key: r.sample_key, sq: per_model.reduce((a, p) => a + p.value, 0) / Math.max(1, per_model.length), per_model }
  })
