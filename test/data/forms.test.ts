/**
 * The dataset forms of issue 14 on the real files of ../shared/data: `$key` joins, joined rows
 * that are plain strings, composite keys, instruction templates on every format, optional
 * images, `where` filters, and the messages that replaced silent failures (exact texts).
 */
import { after, test } from "node:test"
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadDataset, type LoadContext } from "../../src/data/load.ts"
import { DATA_ROOT, decl, failure, run } from "./support.ts"

const ctx: LoadContext = { dataRoot: DATA_ROOT }
const load = (id: string, input: unknown, c: LoadContext = ctx) => run(loadDataset(id, decl(input), c))
const fail = async (id: string, input: unknown, c: LoadContext = ctx) => (await failure(loadDataset(id, decl(input), c))).message

const BENCH = { format: "jsonl", path: "llava-bench-coco/qa90_questions.jsonl" }
const ANSWERS = { as: "answer", path: "llava-bench-coco/qa90_gpt4_answer.jsonl", format: "jsonl", key: "question_id", on: "question_id", required: true }
const BENCH_FIELDS = { id: "question_id", image: "image", instruction: "text", references: "answer.text", task: "category" }
const VQAX = { format: "json", path: "vqa-x/vqaX_test.json", records: "*" }
const VQAX_FIELDS = { id: "$key", image: "image_id", instruction: "question", references: "{answers[0].answer} because {explanation[*]}" }

// The one layout of the issue that no file of ../shared/data has: `{"<id>": "caption"}`. It is
// made from the real COCO captions (the first caption of each val2017 image), not invented.
const tmp = mkdtempSync(join(tmpdir(), "revo-forms-"))
after(() => rmSync(tmp, { recursive: true, force: true }))
const coco = JSON.parse(readFileSync(join(DATA_ROOT, "coco-captions-val2017/captions_val2017.json"), "utf8")) as { annotations: Array<{ image_id: number; caption: string }> }
const firstCaption: Record<string, string> = {}
for (const a of coco.annotations) firstCaption[String(a.image_id)] ??= a.caption
writeFileSync(join(tmp, "caption_by_image.json"), JSON.stringify(firstCaption))

test("$key join: rows of an object keyed by id, as plain strings; the joined value is the string", async () => {
  const d = await load("aokvqa", {
    source: { format: "json", path: "aokvqa-val/aokvqa_v1p0_val.json" },
    joins: [{ as: "cap", path: join(tmp, "caption_by_image.json"), records: "*", key: "$key", on: "image_id", required: true }],
    fields: { id: "question_id", image: "image_id", instruction: "question", references: "rationales[*]" },
    context: "cap",
    image_ids: "coco"
  })
  assert.equal(d.samples.length, 1145)
  assert.deepEqual(d.badRows, [])
  const first = d.samples[0]!
  assert.deepEqual([first.image.id, first.context], ["461751", "The man is riding his motorcycle while smoking a cigarette."])
  assert.deepEqual(d.warnings, [])
})

test("$key join onto records keyed by id: the real VQA-X test file joined with itself matches every row", async () => {
  const d = await load("vqax", {
    source: VQAX,
    joins: [{ as: "same", path: "vqa-x/vqaX_test.json", records: "*", key: "$key", on: "$key", required: true }],
    fields: { ...VQAX_FIELDS, task: "same.answers[0].answer_confidence" }
  })
  assert.equal(d.samples.length, 1968)
  assert.equal(d.samples.find((s) => s.id === "262284001")!.task, "yes")
})

test("a required $key join that matches nothing names the key looked up, where it was read from, and a key of the other side", async () => {
  const input = { source: VQAX, joins: [{ as: "val", path: "vqa-x/vqaX_val.json", records: "*", key: "$key", on: "$key", required: true }], fields: VQAX_FIELDS }
  const lines = (await fail("vqax", input)).split("\n")
  assert.deepEqual(lines.slice(0, 3), [
    "Dataset vqax: 1968 of 1968 rows are bad (100.00%, more than split.max_bad_fraction 1.00%). First ones:",
    // JSON.parse orders integer-like keys numerically, so the first records are the smallest ids
    ...["359000", "502001"].map((k, i) =>
      `  - vqa-x/vqaX_test.json record[${i}] (key "${k}"): join "val": no row with key "${k}" (read from on: $key); keys of vqa-x/vqaX_val.json look like "544006"`)
  ])
  // and with every row allowed bad, the load is an empty dataset, not a silent 0
  const empty = await fail("vqax", input, { ...ctx, maxBadFraction: 1 })
  assert.match(empty, /^Dataset vqax has no samples: of 1968 rows of vqa-x\/vqaX_test\.json, 1968 bad\. First bad rows:\n {2}- vqa-x\/vqaX_test\.json record\[0\] \(key "359000"\): join "val": no row with key "359000" \(read from on: \$key\); keys of vqa-x\/vqaX_val\.json look like "544006"/u)
})

test("$key on a join whose records are not keyed by id says to declare records: \"*\"", async () => {
  assert.equal(
    await fail("bench", { source: BENCH, joins: [{ ...ANSWERS, key: "$key" }], fields: BENCH_FIELDS }),
    "Dataset bench, join \"answer\": key $key: $key is the key of records given as an object keyed by id; declare records: \"*\" on the join (its records are now the document itself)"
  )
})

test("a mistyped join key names the field no row has, and the fields they do have", async () => {
  const expected = "Dataset bench, join \"answer\": no row of llava-bench-coco/qa90_gpt4_answer.jsonl has the field question_idd (key: question_idd); " +
    "its rows have the fields category, question_id, text (did you mean \"question_id\"?)"
  assert.equal(await fail("bench", { source: BENCH, joins: [{ ...ANSWERS, key: "question_idd" }], fields: BENCH_FIELDS }), expected)
  // an optional join with that typo is no longer silent either
  assert.equal(await fail("bench", { source: BENCH, joins: [{ ...ANSWERS, key: "question_idd", required: false }], fields: { ...BENCH_FIELDS, references: "text" } }), expected)
})

test("composite keys as templates: {question_id}:{category} on both sides", async () => {
  const d = await load("bench", {
    source: BENCH,
    joins: [{ ...ANSWERS, key: "{question_id}:{category}", on: "{question_id}:{category}" }],
    fields: BENCH_FIELDS
  })
  assert.equal(d.samples.length, 90)
  assert.deepEqual(d.samples[0]!.turns[0]!.references, ["The colors of the two suitcases in the image are black and brown with yellow details."])
  // a side that lacks a field of the template: every row names it
  const e = await fail("bench", { source: BENCH, joins: [{ ...ANSWERS, key: "{question_id}:{category}", on: "{question_id}:{categry}" }], fields: BENCH_FIELDS })
  assert.match(e, /^Dataset bench: 90 of 90 rows are bad .*\n {2}- llava-bench-coco\/qa90_questions\.jsonl:1: join "answer": on \{question_id\}:\{categry\}: missing field categry\n/u)
})

test("llava honours an instruction template ({instruction} is each turn's own) and fields overrides", async () => {
  const suffix = "Answer with the option's letter from the given choices directly."
  const pre = await load("pre", {
    source: { format: "llava", path: "llava-pretrain-lcs-2k/blip_laion_cc_sbu_2k.json" },
    instruction: `{instruction}\n${suffix}`,
    fields: { id: "image", task: "conversations[0].from" }
  })
  assert.equal(pre.samples.length, 2183)
  const s = pre.samples[0]!
  assert.deepEqual([s.id, s.task, s.turns[0]!.instruction], ["00001/000019465.jpg", "human", `Provide a brief description of the given image.\n${suffix}`])
  const multi = await load("multi", { source: { format: "llava", path: "llava-instruct-100/llava_instruct_100.json" }, instruction: "{instruction} (image {id})", image_ids: "coco" })
  assert.equal(multi.samples.flatMap((x) => x.turns).length, 458)
  assert.equal(multi.samples[0]!.turns[1]!.instruction, "Is the man holding anything in his hands? (image 000000379143)")
  // a fixed instruction replaces every turn's
  const fixed = await load("fixed", { source: { format: "llava", path: "llava-pretrain-lcs-2k/blip_laion_cc_sbu_2k.json" }, instruction: "Describe." })
  assert.ok(fixed.samples.every((x) => x.turns[0]!.instruction === "Describe."))
  // fields.instruction + fields.references: one mapped turn (image tokens still stripped)
  const mapped = await load("mapped", {
    source: { format: "llava", path: "llava-pretrain-lcs-2k/blip_laion_cc_sbu_2k.json" },
    fields: { instruction: "conversations[0].value", references: "conversations[-1].value" }
  })
  assert.deepEqual(mapped.samples[0]!.turns, [{ instruction: "Provide a brief description of the given image.", references: ["the bunk room"] }])
})

test("json and coco-captions honour the instruction template too", async () => {
  const aok = await load("aok", {
    source: { format: "json", path: "aokvqa-val/aokvqa_v1p0_val.json" },
    fields: { id: "question_id", image: "image_id", instruction: "question", references: "rationales[*]" },
    instruction: "{instruction}\nA. {choices[0]}\nB. {choices[1]}\nC. {choices[2]}\nD. {choices[3]}\nAnswer with the option's letter from the given choices directly.",
    image_ids: "coco"
  })
  assert.equal(aok.samples[0]!.turns[0]!.instruction, "What is in the motorcyclist's mouth?\nA. toothpick\nB. food\nC. popsicle stick\nD. cigarette\nAnswer with the option's letter from the given choices directly.")
  const caps = await load("caps", {
    source: { format: "coco-captions", path: "coco-mini/annotations/captions_train2017.json" },
    instruction: "Describe image {id} ({width}x{height}) briefly."
  })
  assert.equal(caps.samples.length, 80)
  assert.match(caps.samples[0]!.turns[0]!.instruction, /^Describe image \d+ \(\d+x\d+\) briefly\.$/u)
})

const OKVQA_BOXED = {
  source: { format: "json", path: "okvqa-val/okvqa_test_split.json" },
  joins: [{ as: "box", path: "llava-bench-coco/caps_boxes_coco2014_val_80.jsonl", format: "jsonl", key: "image", on: "image_id", match: "coco-image-id" }],
  fields: { id: "question_id", image: "box.image", instruction: "question", references: "answers[*]" },
  image_ids: "coco"
}

test("optional: [image]: rows without an image load as text-only samples (and the rare join warns)", async () => {
  const d = await load("okvqa", { ...OKVQA_BOXED, optional: ["image"] })
  assert.equal(d.samples.length, 4456)
  assert.equal(d.samples.filter((s) => s.image.id !== undefined).length, 8)
  assert.deepEqual(d.samples.find((s) => s.id === "1095325")!.image, { id: "109532", path: "000000109532.jpg" })
  assert.deepEqual(d.warnings, [
    "Dataset okvqa, join \"box\": matched only 8 of 4456 records (0.18%, under 1.00%; on: image_id gave keys like \"339761\", keys of llava-bench-coco/caps_boxes_coco2014_val_80.jsonl look like \"296284\")"
  ])
  // without optional, those rows are bad
  assert.match(await fail("okvqa", OKVQA_BOXED), /^Dataset okvqa: 4448 of 4456 rows are bad .*\n {2}- okvqa-val\/okvqa_test_split\.json record\[0\]: image: missing field box\n/u)
})

test("where: raw paths, joins, mapped $fields, in, not; dropped rows are counted, not bad", async () => {
  const bench = (where: string) => load("bench", { source: BENCH, joins: [ANSWERS], fields: BENCH_FIELDS, where })
  assert.equal((await bench("category = conv")).samples.length, 30)
  assert.equal((await bench("$task in [conv, detail]")).samples.length, 60)
  const notConv = await bench("not (category = conv) and answer.category != complex")
  assert.deepEqual([notConv.samples.length, notConv.filtered, notConv.badRows.length, notConv.rows], [30, 60, 0, 90])
  const pope = (where: string) => load("pope", {
    source: { format: "jsonl", path: "pope-coco/coco_pope_adversarial.json" },
    joins: [{ as: "caps", path: "coco-captions-val2017/captions_val2017.json", records: "annotations", key: "image_id", on: "image", many: true, match: "coco-image-id" }],
    fields: { id: "question_id", image: "image", instruction: "text", references: "label" },
    image_ids: "coco",
    where
  })
  assert.equal((await pope("label = yes")).samples.length, 1500)
  assert.equal((await pope("exists caps")).samples.length, 74 * 6)
  assert.equal((await pope("not exists caps or label = 'no'")).samples.length, 3000 - 74 * 6 + 74 * 3)
  const aok = await load("aok", {
    source: { format: "json", path: "aokvqa-val/aokvqa_v1p0_val.json" },
    fields: { id: "question_id", image: "image_id", instruction: "question", references: "rationales[*]" },
    where: "difficult_direct_answer = false and direct_answers[*] = cigarette"
  })
  assert.ok(aok.samples.length > 0 && aok.samples.length < 1145)
  assert.equal(aok.samples[0]!.id, "22jbM6gDxdaMaunuzgrsBB")
  // a raw condition is checked before the joins: the rows it drops never become a required join's bad rows
  const one = await pope("image = COCO_val2014_000000210789.jpg")
  assert.deepEqual([one.samples.length, one.badRows.length], [6, 0])
  const required = await load("pope", {
    source: { format: "jsonl", path: "pope-coco/coco_pope_adversarial.json" },
    joins: [{ as: "caps", path: "coco-captions-val2017/captions_val2017.json", records: "annotations", key: "image_id", on: "image", many: true, match: "coco-image-id", required: true }],
    fields: { id: "question_id", image: "image", instruction: "text", references: "label" },
    where: "image = COCO_val2014_000000210789.jpg"
  })
  assert.deepEqual([required.samples.length, required.badRows.length, required.filtered], [6, 0, 2994])
  // keep only rows with an image
  const withImage = await load("okvqa", { ...OKVQA_BOXED, optional: ["image"], where: "exists $image" })
  assert.deepEqual([withImage.samples.length, withImage.filtered], [8, 4448])
})

test("a dataset that loads 0 samples is an error naming why, never a silent empty study", async () => {
  assert.equal(
    await fail("pope", { source: { format: "jsonl", path: "pope-coco/coco_pope_adversarial.json" }, fields: { id: "question_id", instruction: "text", references: "label" }, where: "label = maybe" }),
    "Dataset pope has no samples: of 3000 rows of pope-coco/coco_pope_adversarial.json, 3000 dropped by where: label = maybe"
  )
  assert.equal(
    await fail("pope", { source: { format: "jsonl", path: "pope-coco/coco_pope_adversarial.json" }, fields: { id: "question_id", instruction: "txet", references: "label" } }, { ...ctx, maxBadFraction: 1 }),
    "Dataset pope has no samples: of 3000 rows of pope-coco/coco_pope_adversarial.json, 3000 bad. First bad rows:\n" +
      [1, 2, 3].map((l) => `  - pope-coco/coco_pope_adversarial.json:${l}: instruction: missing field txet`).join("\n")
  )
})

test("warnings: a join that matches no row, a context empty for every sample", async () => {
  const d = await load("pope", {
    source: { format: "jsonl", path: "pope-coco/coco_pope_adversarial.json" },
    joins: [{ as: "caps", path: "coco-captions-val2017/captions_val2017.json", records: "annotations", key: "image_id", on: "image", many: true }],
    fields: { id: "question_id", image: "image", instruction: "text", references: "label" },
    context: "{caps[*].caption}",
    image_ids: "coco"
  })
  assert.equal(d.samples.length, 3000)
  assert.deepEqual(d.warnings, [
    "Dataset pope, join \"caps\": matched no row for any of 3000 records (on: image gave keys like \"COCO_val2014_000000310196.jpg\", keys of coco-captions-val2017/captions_val2017.json look like \"179765\")",
    "Dataset pope, context \"{caps[*].caption}\": empty for every one of 3000 samples"
  ])
})
