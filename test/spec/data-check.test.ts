/**
 * `revo validate` checks the spec against the data (issue 14): every field path, join key and
 * `on` path that no record of ../shared/data has is reported at the spec's line:col with a
 * did-you-mean, and `--no-data` skips the check. Run as a user would: the real CLI.
 */
import assert from "node:assert/strict"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { revo, sharedData } from "../support/cli.ts"

const env = { ...process.env, REVO_DATA_ROOT: "" }
const dir = mkdtempSync(join(tmpdir(), "revo-check-"))
after(() => rmSync(dir, { recursive: true, force: true }))

const spec = (name: string, text: string): string => {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, `name: ${name}\ndata_root: ${sharedData}\n${text}`)
  return file
}

describe("revo validate: the data check", () => {
  it("reports each path no record has, at its line:col, with a did-you-mean from the records' keys", () => {
    const file = spec("typos", `datasets:
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    joins:
      - { as: ctx, path: llava-bench-coco/caps_boxes_coco2014_val_80.jsonl, format: jsonl, key: imagee, on: image, match: coco-image-id }
    fields: { id: question_id, image: image, instruction: txet, references: label }
    context: "{ctx.captoin}"
  bench:
    source: { format: jsonl, path: llava-bench-coco/qa90_questions.jsonl }
    joins:
      - { as: answer, path: llava-bench-coco/qa90_gpt4_answer.jsonl, format: jsonl, key: question_idd, on: $key, required: true }
    fields: { id: question_id, image: image, instruction: text, references: answer.txt }
    where: categori = conv
`)
    const r = revo(["validate", file], { env })
    assert.equal(r.code, 2, r.stdout)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `${file}:7:97 datasets.pope.joins.0.key: "imagee": none of the 80 records of llava-bench-coco/caps_boxes_coco2014_val_80.jsonl has the field "imagee" (did you mean "image"?)`,
      `${file}:8:59 datasets.pope.fields.instruction: "txet": none of the 3000 records of pope-coco/coco_pope_adversarial.json has the field "txet" (did you mean "text"?)`,
      `${file}:9:14 datasets.pope.context: "{ctx.captoin}": none of the 80 rows of llava-bench-coco/caps_boxes_coco2014_val_80.jsonl has the field "captoin" at ctx.captoin (did you mean "captions"?)`,
      `${file}:13:90 datasets.bench.joins.0.key: "question_idd": none of the 90 records of llava-bench-coco/qa90_gpt4_answer.jsonl has the field "question_idd" (did you mean "question_id"?)`,
      `${file}:13:108 datasets.bench.joins.0.on: "$key": $key: the records of llava-bench-coco/qa90_questions.jsonl are not keyed by id ($key needs records: "*", the values of an object)`,
      `${file}:14:77 datasets.bench.fields.references: "answer.txt": none of the 90 rows of llava-bench-coco/qa90_gpt4_answer.jsonl has the field "txt" at answer.txt (did you mean "text"?)`,
      `${file}:15:12 datasets.bench.where: categori: none of the 90 records of llava-bench-coco/qa90_questions.jsonl has the field "categori" (did you mean "category"?)`
    ])
    const skipped = revo(["validate", file, "--no-data"], { env })
    assert.equal(skipped.code, 0, skipped.stderr)
    assert.match(skipped.stdout, /: ok — experiment "typos", 2 datasets .*; data not checked \(--no-data\)/u)
  })

  it("a many join read as one object, an empty source, and a where that does not parse are located", () => {
    const empty = join(dir, "empty.json")
    writeFileSync(empty, "[]\n")
    const file = spec("shapes", `datasets:
  aokvqa:
    source: { format: json, path: aokvqa-val/aokvqa_v1p0_val.json }
    joins:
      - { as: caps, path: coco-captions-val2017/captions_val2017.json, records: annotations, key: image_id, on: image_id, many: true }
    fields: { id: question_id, image: image_id, instruction: question, references: "rationales[*]" }
    context: caps.caption
  nothing:
    source: { format: json, path: ${empty} }
    fields: { instruction: question, references: answer }
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    fields: { instruction: text, references: label }
    where: "label = yes and"
`)
    const r = revo(["validate", file], { env })
    assert.equal(r.code, 2, r.stdout)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `${file}:16:12 datasets.pope.where: expected a field (a path such as category or answers[*].answer, or a mapped $field) at character 16 of "label = yes and"`
    ])
    const r2 = revo(["validate", file, "--set", "datasets.pope.where=label = yes"], { env })
    assert.equal(r2.code, 2, r2.stdout)
    assert.deepEqual(r2.stderr.trim().split("\n"), [
      `${file}:9:14 datasets.aokvqa.context: "caps.caption": caps is a list, not an object with field "caption" (write caps[*].caption)`,
      `${file}:11:35 datasets.nothing.source.path: ${empty} holds no records: the dataset would be empty`
    ])
  })

  it("the quickstart passes the data check", () => {
    const r = revo(["validate", "experiments/quickstart.yaml"], { env })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /data checked \(paths, joins and where on every record of every source and join\)/u)
  })
})

describe("revo validate: the dataset forms' own checks", () => {
  it("llava fields.instruction without fields.references, {instruction} on coco-captions", () => {
    const file = spec("forms", `datasets:
  pre:
    source: { format: llava, path: llava-pretrain-lcs-2k/blip_laion_cc_sbu_2k.json }
    fields: { instruction: "conversations[0].value" }
  caps:
    source: { format: coco-captions, path: coco-mini/annotations/captions_train2017.json }
    instruction: "{instruction} Be brief."
`)
    const r = revo(["validate", file, "--no-data"], { env })
    assert.equal(r.code, 2, r.stdout)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `${file}:6:28 datasets.pre.fields.instruction: Format "llava": fields.instruction and fields.references go together (a mapped single turn replacing the conversation); to reword the source's instruction use \`instruction: "{instruction} ..."\``,
      `${file}:9:18 datasets.caps.instruction: Format "coco-captions" has no instruction of its own for {instruction}: write the instruction itself (e.g. "Describe the image briefly.")`
    ])
  })

  it("a fanned-out instruction template and a where that does not parse", () => {
    const file = spec("syntax", `datasets:
  aok:
    source: { format: json, path: aokvqa-val/aokvqa_v1p0_val.json }
    fields: { instruction: question, references: "rationales[*]" }
    instruction: "{instruction} {choices[*]}"
    where: "split in [val"
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    fields: { instruction: text, references: label }
`)
    const r = revo(["validate", file, "--no-data"], { env })
    assert.equal(r.code, 2, r.stdout)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `${file}:7:18 datasets.aok.instruction: instruction template "{instruction} {choices[*]}" fans out ([*]); an instruction is one text`,
      `${file}:8:12 datasets.aok.where: expected , or ] in the list of values at character 14 of "split in [val"`
    ])
  })
})

describe("revo validate: joins and where on every record", () => {
  it("an empty where, a required join that matches nothing or too little, a non-unique key are errors; a rare optional join a warning", () => {
    const file = spec("matching", `datasets:
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    fields: { id: question_id, instruction: text, references: label }
    where: label = maybe
  vqax:
    source: { format: json, path: vqa-x/vqaX_test.json, records: "*" }
    joins:
      - { as: val, path: vqa-x/vqaX_val.json, records: "*", key: $key, on: $key, required: true }
    fields: { id: $key, instruction: question, references: "val.explanation[*]" }
  okvqa:
    source: { format: json, path: okvqa-val/okvqa_test_split.json }
    joins:
      - { as: box, path: llava-bench-coco/caps_boxes_coco2014_val_80.jsonl, format: jsonl, key: image, on: image_id, match: coco-image-id }
      - { as: q, path: okvqa-val/okvqa_test_split.json, key: image_id, on: image_id, required: true }
    fields: { id: question_id, instruction: question, references: "answers[*]" }
  bench:
    source: { format: jsonl, path: llava-bench-coco/qa90_questions.jsonl }
    joins:
      - { as: answer, path: llava-bench-coco/qa90_gpt4_answer.jsonl, format: jsonl, key: question_id, on: "{image}", required: true }
    fields: { id: question_id, instruction: text, references: answer.text }
  pope-caps:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    joins:
      - { as: caps, path: coco-captions-val2017/captions_val2017.json, records: annotations, key: image_id, on: image, many: true, match: coco-image-id, required: true }
    fields: { id: question_id, instruction: text, references: label }
`)
    const r = revo(["validate", file], { env })
    assert.equal(r.code, 2, r.stdout)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `warning: ${file}:16:108 datasets.okvqa.joins.0.on: join "box" matched only 8 of 4456 records (0.18%, under 1.00%; on: image_id gave keys like "339761", keys of llava-bench-coco/caps_boxes_coco2014_val_80.jsonl look like "296284")`,
      `${file}:7:12 datasets.pope.where: keeps none of the 3000 records of pope-coco/coco_pope_adversarial.json: the dataset would be empty`,
      `${file}:11:76 datasets.vqax.joins.0.on: required join "val" matches none of the 1968 records of vqa-x/vqaX_test.json: no row with key "359000" (read from on: $key); keys of vqa-x/vqaX_val.json look like "544006"`,
      `${file}:17:62 datasets.okvqa.joins.1.key: key "572399" occurs more than once in okvqa-val/okvqa_test_split.json; declare many: true to keep every match`,
      `${file}:22:107 datasets.bench.joins.0.on: required join "answer" matches none of the 90 records of llava-bench-coco/qa90_questions.jsonl: no row with key "000000441147.jpg" (read from on: {image}); keys of llava-bench-coco/qa90_gpt4_answer.jsonl look like "0"`,
      `${file}:27:113 datasets.pope-caps.joins.0.on: required join "caps" finds no row for 2556 of 3000 records of pope-coco/coco_pope_adversarial.json (more than split.max_bad_fraction 1.00%), e.g. no row with key "310196" (read from on: image); keys of coco-captions-val2017/captions_val2017.json look like "179765"`
    ])
  })
})

/** POPE filtered to nothing (its labels are yes/no), beside a dataset that loads. */
const EMPTY_WHERE = `datasets:
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    fields: { id: question_id, instruction: text, references: label }
    where: label = maybe
  coco-mini:
    source: { format: coco-captions, path: coco-mini/annotations/captions_train2017.json }
    instruction: Describe the image briefly.
`

describe("revo plan and revo run: the data check before any task", () => {
  it("a where that keeps nothing stops plan and run with the located error (exit 2), before any task", () => {
    const file = spec("plan-empty", EMPTY_WHERE)
    const expected = `${file}:7:12 datasets.pope.where: keeps none of the 3000 records of pope-coco/coco_pope_adversarial.json: the dataset would be empty`
    for (const command of ["plan", "run"]) {
      const r = revo([command, file, "--store", join(dir, "store", ".revo")], { env, cwd: dir })
      assert.equal(r.code, 2, `${command}: ${r.stderr}`)
      assert.equal(r.stderr.trim(), expected, command)
    }
  })
})

describe("revo validate: a where on the record's own fields applies before the joins", () => {
  it("a required join that misses only rows the where drops passes", () => {
    const file = spec("where-join", `datasets:
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    joins:
      - { as: caps, path: coco-captions-val2017/captions_val2017.json, records: annotations, key: image_id, on: image, many: true, match: coco-image-id, required: true }
    fields: { id: question_id, image: image, instruction: text, references: label }
    context: "{caps[*].caption}"
    where: image = COCO_val2014_000000210789.jpg
    # one image, 6 questions: only without the leakage rule can it be split
    split: { eval: 1 }
  coco-mini:
    source: { format: coco-captions, path: coco-mini/annotations/captions_train2017.json }
    instruction: Describe the image briefly.
split: { leakage: none }
`)
    const r = revo(["validate", file], { env })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, "")
    const without = revo(["validate", file, "--set", "datasets.pope.where=label = yes"], { env })
    assert.equal(without.code, 2)
    assert.match(without.stderr, /datasets\.pope\.joins\.0\.on: required join "caps" finds no row for 1278 of 1500 records of pope-coco\/coco_pope_adversarial\.json/u)
  })
})

describe("the data check before plan/run skips files over its size cap", () => {
  it("a dataset with a file over maxFileBytes is skipped, not read", async () => {
    const { Effect } = await import("effect")
    const { checkData } = await import("../../src/data/check.ts")
    const { loadSpec } = await import("../../src/spec/load.ts")
    const file = spec("cap", EMPTY_WHERE)
    const loaded = await Effect.runPromise(loadSpec(file))
    const ctx = { dataRoot: loaded.dataRoot }
    // pope's file is 370,401 bytes, coco-mini's 65,526
    const capped = await Effect.runPromise(checkData(loaded.spec.datasets, ctx, { maxFileBytes: 100_000 }))
    assert.deepEqual([capped.problems, capped.skipped], [[], ["pope"]])
    const all = await Effect.runPromise(checkData(loaded.spec.datasets, ctx))
    assert.deepEqual([all.problems.map((p) => p.path.join(".")), all.skipped], [["datasets.pope.where"], []])
  })
})

/** Two real datasets, POPE cut by `where` to a few COCO images (6 questions each). */
const FEW_IMAGES = (images: ReadonlyArray<string>, extra = "") => `datasets:
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    fields: { id: question_id, image: image, instruction: text, references: label }
    image_ids: coco
    where: image in [${images.map((i) => `COCO_val2014_000000${i}.jpg`).join(", ")}]
  bench:
    source: { format: jsonl, path: llava-bench-coco/qa90_questions.jsonl }
    joins:
      - { as: answer, path: llava-bench-coco/qa90_gpt4_answer.jsonl, format: jsonl, key: question_id, on: question_id, required: true }
    fields: { id: question_id, image: image, instruction: text, references: answer.text }
    image_ids: coco
${extra}`

describe("empty splits are located errors before any task (the split sized from the data check's own loads)", () => {
  // a fresh cache: the first validate loads and splits, the second reads the verdict back
  const cached = { ...env, REVO_CACHE_DIR: join(dir, "cache") }

  it("the quickstart with split.eval=1: every dataset whose one eval sample the leakage rule moves to train", () => {
    const r = revo(["validate", "experiments/quickstart.yaml", "--set", "split.eval=1"], { env: cached })
    assert.equal(r.code, 2, r.stdout)
    const line = (d: string, n: number) =>
      `experiments/quickstart.yaml:114:9 split.eval: dataset ${d}: the eval split is empty (target 1 of ${n} samples; the leakage rule (split.leakage: image) moved 1 sample to train because their image is on the other side); raise split.eval or datasets.${d}.split.eval`
    const expected = [line("aokvqa-val", 1145), line("gqa-testdev-balanced", 12578), line("llava-bench-coco", 90), line("pope-coco", 3000)]
    assert.deepEqual(r.stderr.trim().split("\n"), expected)
    const again = revo(["validate", "experiments/quickstart.yaml", "--set", "split.eval=1"], { env: cached })
    assert.deepEqual([again.code, again.stderr.trim().split("\n")], [2, expected])
  })

  it("a where that leaves one image: validate, plan and run stop at the dataset (exit 2), and run starts no task", () => {
    const file = spec("one-image", FEW_IMAGES(["310196"]))
    // 6 questions on one image, none drawn into eval at 10%; the file writes no split.eval, so the dataset is pointed at
    const expected = `${file}:5:5 datasets.pope: dataset pope: the eval split is empty (target 0 of 6 samples); raise split.eval or datasets.pope.split.eval`
    for (const command of ["validate", "plan", "run"]) {
      const store = join(dir, `store-${command}`, ".revo")
      const r = revo([command, file, ...(command === "validate" ? [] : ["--store", store])], { env: cached, cwd: dir })
      assert.equal(r.code, 2, `${command}: ${r.stderr}`)
      assert.equal(r.stderr.trim(), expected, command)
      assert.equal(existsSync(store), false, `${command} opened no store`)
    }
    // three images at 10%: one is drawn into eval, shares its image with train, and moves there
    const three = spec("three-images", FEW_IMAGES(["310196", "210789", "429109"]))
    const r = revo(["validate", three], { env: cached })
    assert.equal(r.code, 2, r.stdout)
    assert.equal(r.stderr.trim(),
      `${three}:5:5 datasets.pope: dataset pope: the eval split is empty (target 1 of 18 samples; the leakage rule (split.leakage: image) moved 1 sample to train because their image is on the other side); raise split.eval or datasets.pope.split.eval`)
  })

  it("an empty train split, at the dataset's own split.eval", () => {
    const file = spec("all-eval", FEW_IMAGES(["310196", "210789", "429109"], "    split: { eval: 90 }\nsplit: { eval: 0.5 }\n"))
    const r = revo(["validate", file], { env: cached })
    assert.equal(r.code, 2, r.stdout)
    assert.equal(r.stderr.trim(), `${file}:15:20 datasets.bench.split.eval: dataset bench: the train split is empty (90 samples all in eval); lower split.eval or datasets.bench.split.eval`)
  })

  it("a crossfit fold that would hold every train sample, and a REVO-LION eval set left empty by leakage: none", () => {
    const folds = spec("folds", FEW_IMAGES(["310196", "210789", "429109", "211674", "458338"], "split: { eval: 0.3 }\nquality:\n  sq: { crossfit: 2 }\n"))
    const r = revo(["validate", folds], { env: cached })
    assert.equal(r.code, 2, r.stdout)
    assert.equal(r.stderr.trim(),
      `${folds}:17:19 quality.sq.crossfit: dataset pope: crossfit fold 0 holds all 18 train samples (folds are grouped by image), so its fold model would train on nothing; use fewer folds, quality.sq.crossfit: 0, or a larger train split`)
    // Every POPE image has 6 questions and LLaVA-Bench's 3 (less the one image whose 3 all fall in eval):
    // without the leakage rule, every eval image is also in a train split.
    const shared = spec("shared-images", `${FEW_IMAGES([]).replace(/    where: image in \[\]\n/u, "    where: exists image\n")}    where: image != 000000460149.jpg\nsplit: { leakage: none }\n`)
    const s = revo(["validate", shared], { env: cached })
    assert.equal(s.code, 2, s.stdout)
    assert.equal(s.stderr.trim(),
      `${shared}:16:19 split.leakage: the REVO-LION eval set would be empty: the image of each of the 280 eval samples is also in a train split, and that set keeps only eval samples whose image no model was tuned on; use split.leakage: image (it moves each shared image to one side)`)
  })
})

describe("the optional-field shorthand: fields.image? is image plus optional: [image]", () => {
  const OKVQA = (fields: string, extra = "") => `datasets:
  okvqa:
    source: { format: json, path: okvqa-val/okvqa_test_split.json }
    joins:
      - { as: box, path: llava-bench-coco/caps_boxes_coco2014_val_80.jsonl, format: jsonl, key: image, on: image_id, match: coco-image-id }
    fields: { ${fields} }
${extra}    image_ids: coco
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    fields: { id: question_id, image: image, instruction: text, references: label }
    image_ids: coco
`

  it("loads the real OK-VQA rows without a boxed image as text-only samples, with the long form's dataset key", async () => {
    const { Effect } = await import("effect")
    const { loadSpec } = await import("../../src/spec/load.ts")
    const { loadDataset } = await import("../../src/data/load.ts")
    const short = await Effect.runPromise(loadSpec(spec("shorthand", OKVQA(`id: question_id, image?: box.image, instruction: question, references: "answers[*]"`))))
    const long = await Effect.runPromise(loadSpec(spec("longhand", OKVQA(`id: question_id, image: box.image, instruction: question, references: "answers[*]"`, "    optional: [image]\n"))))
    const decl = short.spec.datasets["okvqa"]!
    assert.deepEqual([decl.fields?.image, decl.optional], ["box.image", ["image"]])
    const d = await Effect.runPromise(loadDataset("okvqa", decl, { dataRoot: short.dataRoot }))
    assert.deepEqual([d.samples.length, d.samples.filter((s) => s.image.id !== undefined).length], [4456, 8])
    const l = await Effect.runPromise(loadDataset("okvqa", long.spec.datasets["okvqa"]!, { dataRoot: long.dataRoot }))
    assert.equal(d.key, l.key)
    // without it, the rows with no boxed image are bad
    const required = await Effect.runPromise(Effect.flip(loadDataset("okvqa", { ...decl, optional: [] }, { dataRoot: short.dataRoot })))
    assert.match(required.message, /^Dataset okvqa: 4448 of 4456 rows are bad /u)
  })

  it("a typo in its path, a field given both ways, and a field that cannot be optional are located at the key", () => {
    const typo = spec("shorthand-typo", OKVQA(`id: question_id, image?: box.imagee, instruction: question, references: "answers[*]"`))
    const r = revo(["validate", typo], { env: { ...env, REVO_CACHE_DIR: join(dir, "cache") } })
    assert.equal(r.code, 2, r.stdout)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `warning: ${typo}:7:108 datasets.okvqa.joins.0.on: join "box" matched only 8 of 4456 records (0.18%, under 1.00%; on: image_id gave keys like "339761", keys of llava-bench-coco/caps_boxes_coco2014_val_80.jsonl look like "296284")`,
      `${typo}:8:40 datasets.okvqa.fields.image: "box.imagee": none of the 80 rows of llava-bench-coco/caps_boxes_coco2014_val_80.jsonl has the field "imagee" at box.imagee (did you mean "image"?)`
    ])
    const twice = spec("shorthand-twice", OKVQA(`id: question_id, image: image_id, image?: box.image, instruction?: question, references: "answers[*]"`))
    const t = revo(["validate", twice, "--no-data"], { env })
    assert.equal(t.code, 2, t.stdout)
    assert.deepEqual(t.stderr.trim().split("\n"), [
      `${twice}:8:49 datasets.okvqa.fields.image?: fields.image is declared twice: write either image: (required) or image?: (optional)`,
      `${twice}:8:68 datasets.okvqa.fields.instruction?: only image? and id? may be marked optional; a record without instruction cannot become a sample`
    ])
  })
})

describe("a dataset whose load would fail is a located error before any task (the data check loads it)", () => {
  it("a where on a mapped field that keeps nothing, at the where; too many bad rows, at the source", () => {
    const file = spec("load-fails", `datasets:
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_adversarial.json }
    fields: { id: question_id, image: image, instruction: text, references: label }
    image_ids: coco
    where: $references = maybe
  okvqa:
    source: { format: json, path: okvqa-val/okvqa_test_split.json }
    joins:
      - { as: box, path: llava-bench-coco/caps_boxes_coco2014_val_80.jsonl, format: jsonl, key: image, on: image_id, match: coco-image-id }
    fields: { id: question_id, image: box.image, instruction: question, references: "answers[*]" }
    image_ids: coco
`)
    // Every path exists (8 OK-VQA rows do match a boxed image), so only loading the rows finds these.
    const r = revo(["validate", file], { env: { ...env, REVO_CACHE_DIR: join(dir, "cache") } })
    assert.equal(r.code, 2, r.stdout)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `warning: ${file}:12:108 datasets.okvqa.joins.0.on: join "box" matched only 8 of 4456 records (0.18%, under 1.00%; on: image_id gave keys like "339761", keys of llava-bench-coco/caps_boxes_coco2014_val_80.jsonl look like "296284")`,
      `${file}:8:12 datasets.pope.where: Dataset pope has no samples: of 3000 rows of pope-coco/coco_pope_adversarial.json, 3000 dropped by where: $references = maybe`,
      `${file}:10:35 datasets.okvqa.source.path: Dataset okvqa: 4448 of 4456 rows are bad (99.82%, more than split.max_bad_fraction 1.00%). First ones:`,
      ...Array.from({ length: 10 }, (_, i) => `  - okvqa-val/okvqa_test_split.json record[${i}]: image: missing field box`)
    ])
  })
})
