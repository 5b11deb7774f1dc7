/** Dataset identity: the source bytes (joins included) and the declaration, nothing else. */
import { after, test } from "node:test"
import assert from "node:assert/strict"
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { datasetKey, loadDataset } from "../../src/data/load.ts"
import { loadSpec } from "../../src/spec/load.ts"
import { DATA_ROOT, run } from "./support.ts"

const tmp = mkdtempSync(join(tmpdir(), "revo-key-"))
after(() => rmSync(tmp, { recursive: true, force: true }))
const root = join(tmp, "data")
cpSync(join(DATA_ROOT, "llava-bench-coco"), join(root, "llava-bench-coco"), { recursive: true })
cpSync(join(DATA_ROOT, "coco-mini/annotations/captions_train2017.json"), join(root, "coco-mini/captions_train2017.json"))

const BENCH = `
    source: { format: jsonl, path: llava-bench-coco/qa90_questions.jsonl }
    joins:
      - { as: answer, path: llava-bench-coco/qa90_gpt4_answer.jsonl, format: jsonl, key: question_id, on: question_id, required: true }
    fields: { id: question_id, image: image, instruction: text, references: answer.text }
    image_ids: coco`
const BENCH_REORDERED = `
    image_ids: coco
    fields: { references: answer.text, instruction: text, image: image, id: question_id }
    joins:
      - { required: true, on: question_id, key: question_id, format: jsonl, path: llava-bench-coco/qa90_gpt4_answer.jsonl, as: answer }
    description: A description does not change what is loaded.
    split: { eval: 20 }
    source: { path: llava-bench-coco/qa90_questions.jsonl, format: jsonl }`

const keyOfSpec = async (bench: string, dataRoot = root): Promise<string> => {
  const file = join(tmp, `spec-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, `name: keys\ndatasets:\n  bench:${bench}\n  mini:\n    source: { format: coco-captions, path: coco-mini/captions_train2017.json }\n    instruction: Describe the image.\n`)
  const s = await run(loadSpec(file, { dataRoot }))
  return run(datasetKey("bench", s.spec.datasets["bench"]!, { dataRoot: s.dataRoot }))
}

test("reordered YAML keys, a description, split sizes or another data root give the same key", async () => {
  const k = await keyOfSpec(BENCH)
  assert.match(k, /^[0-9a-f]{64}$/)
  assert.equal(await keyOfSpec(BENCH_REORDERED), k)
  const moved = join(tmp, "moved")
  cpSync(root, moved, { recursive: true })
  assert.equal(await keyOfSpec(BENCH, moved), k)
})

test("editing one byte of the source or of a joined file changes the key; restoring it restores the key", async () => {
  const k = await keyOfSpec(BENCH)
  for (const f of ["llava-bench-coco/qa90_questions.jsonl", "llava-bench-coco/qa90_gpt4_answer.jsonl"]) {
    const path = join(root, f)
    const original = readFileSync(path)
    const edited = Buffer.from(original)
    edited[40] = edited[40] === 0x61 ? 0x62 : 0x61
    writeFileSync(path, edited)
    assert.notEqual(await keyOfSpec(BENCH), k, f)
    writeFileSync(path, original)
    assert.equal(await keyOfSpec(BENCH), k, f)
  }
  // a file not declared by the dataset does not count
  writeFileSync(join(root, "llava-bench-coco/qa90_questions.jsonl.bak"), "x")
  assert.equal(await keyOfSpec(BENCH), k)
})

test("changing the mapping, a join, the image ids or the license changes the key", async () => {
  const k = await keyOfSpec(BENCH)
  const variants = [
    BENCH.replace("references: answer.text", "references: \"{answer.text}\""),
    BENCH.replace("required: true", "required: false"),
    BENCH.replace("image_ids: coco", "image_ids: bench"),
    `${BENCH}\n    license: CC BY 4.0`
  ]
  const keys = await Promise.all(variants.map((v) => keyOfSpec(v)))
  for (const x of keys) assert.notEqual(x, k)
  assert.equal(new Set(keys).size, keys.length)
})

test("datasetKey (hashing only) equals the key loadDataset computes while reading", async () => {
  const file = join(tmp, "same.yaml")
  writeFileSync(file, `name: keys\ndatasets:\n  bench:${BENCH}\n  mini:\n    source: { format: coco-captions, path: coco-mini/captions_train2017.json }\n    instruction: Describe the image.\n`)
  const s = await run(loadSpec(file, { dataRoot: root }))
  for (const id of ["bench", "mini"]) {
    const d = await run(loadDataset(id, s.spec.datasets[id]!, { dataRoot: s.dataRoot }))
    assert.equal(d.key, await run(datasetKey(id, s.spec.datasets[id]!, { dataRoot: s.dataRoot })), id)
    assert.ok(d.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.bytes > 0))
  }
})
