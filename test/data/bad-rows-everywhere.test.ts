/**
 * Bad rows reach the user whole and with the same count everywhere, and a byte that is not
 * UTF-8 is a bad row naming its offset rather than a silent U+FFFD in a reference. Real data:
 * POPE's JSON Lines with rows damaged in place, through `revo run` and `revo inspect`.
 */
import assert from "node:assert/strict"
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { describe, it } from "node:test"
import { loadDataset } from "../../src/data/load.ts"
import { revo, sharedData } from "../support/cli.ts"
import { decl, failure, run } from "./support.ts"

const dir = mkdtempSync(join(tmpdir(), "revo-bad-everywhere-"))
const dataRoot = join(dir, "data")
for (const f of ["pope-coco/coco_pope_random.json", "coco-mini/annotations/captions_train2017.json"]) {
  mkdirSync(dirname(join(dataRoot, f)), { recursive: true })
  copyFileSync(join(sharedData, f), join(dataRoot, f))
}

// 200 rows cut short (invalid JSON) and 2 rows with a Latin-1 "é" (0xE9) in the question.
const popePath = join(dataRoot, "pope-coco/coco_pope_random.json")
const lines = readFileSync(popePath).toString("utf8").split("\n")
const broken = new Set(Array.from({ length: 200 }, (_, i) => 10 + i * 13))
const latin1 = [2001, 2500]
const parts: Array<Buffer> = []
const latin1Offsets: Array<number> = []
let offset = 0
lines.forEach((line, i) => {
  let bytes = Buffer.from(broken.has(i + 1) ? line.slice(0, 30) : line)
  if (latin1.includes(i + 1)) {
    const at = bytes.indexOf("?")
    latin1Offsets.push(offset + at)
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xe9]), bytes.subarray(at)])
  }
  parts.push(bytes, Buffer.from(i < lines.length - 1 ? "\n" : ""))
  offset += bytes.length + (i < lines.length - 1 ? 1 : 0)
})
writeFileSync(popePath, Buffer.concat(parts))
const popeDecl = { source: { format: "jsonl", path: "pope-coco/coco_pope_random.json" }, fields: { id: "question_id", image: "image", instruction: "text", references: "label" }, image_ids: "coco" }

describe("bad rows, whole and consistent", () => {
  it("a byte that is not UTF-8 is a bad row with its line and byte offset (JSON Lines, CSV); a JSON document is refused naming it", async () => {
    const d = await run(loadDataset("pope", decl(popeDecl), { dataRoot, maxBadFraction: 0.1 }))
    assert.equal(d.badRows.length, 202)
    assert.deepEqual(d.badRows.filter((b) => b.reason.startsWith("not UTF-8")).map((b) => [b.line, b.reason]), [
      [2001, `not UTF-8: byte 0xE9 at byte offset ${latin1Offsets[0]} of the file`],
      [2500, `not UTF-8: byte 0xE9 at byte offset ${latin1Offsets[1]} of the file`]
    ])
    assert.ok(d.samples.every((s) => !JSON.stringify(s).includes("\uFFFD")))

    const csv = Buffer.concat([Buffer.from("id,question,answer\n1,Is it red?,yes\n2,\"Is it\nbl"), Buffer.from([0xfc]), Buffer.from("e?\",no\n3,Caf"), Buffer.from([0xe9]), Buffer.from(",yes\n4,Fine?,no\n")])
    writeFileSync(join(dir, "latin1.csv"), csv)
    const c = await run(loadDataset("csv", decl({ source: { format: "csv", path: "latin1.csv" }, fields: { id: "id", instruction: "question", references: "answer" } }), { dataRoot: dir, maxBadFraction: 1 }))
    assert.deepEqual(c.samples.map((s) => s.id), ["1", "4"])
    assert.deepEqual(c.badRows.map((b) => [b.line, b.reason]), [
      [3, `not UTF-8: byte 0xFC at byte offset ${csv.indexOf(0xfc)} of the file`],
      [5, `not UTF-8: byte 0xE9 at byte offset ${csv.indexOf(0xe9)} of the file`]
    ])

    writeFileSync(join(dir, "doc.json"), Buffer.concat([Buffer.from('[{"q": "Is it\\n"},\n{"q": "Caf'), Buffer.from([0xe9]), Buffer.from('"}]')]))
    const e = await failure(loadDataset("doc", decl({ source: { format: "json", path: "doc.json" }, fields: { instruction: "q", references: "q" } }), { dataRoot: dir }))
    assert.match(e.message, /not UTF-8: byte 0xE9 at byte offset 29 of the file \(line 2\); save it as UTF-8/)
  })

  it("every bad row is in bad-rows.jsonl; report.json, report.md and inspect give the same count and say where the rest are", () => {
    const spec = join(dir, "bad.yaml")
    writeFileSync(spec, `name: bad
seed: 3
data_root: data
datasets:
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_random.json }
    fields: { id: question_id, image: image, instruction: text, references: label }
    image_ids: coco
    license: MIT
  coco-mini:
    source: { format: coco-captions, path: coco-mini/annotations/captions_train2017.json }
    instruction: Describe the image briefly.
    license: CC BY 4.0
split:
  eval: 0.2
  max_bad_fraction: 0.1
metrics: [bleu4, rouge_l]
`)
    const store = join(dir, "results", ".revo")
    const r = revo(["run", spec, "--store", store])
    assert.equal(r.code, 0, r.stderr)
    const results = join(dir, "results", "bad")
    const report = JSON.parse(readFileSync(join(results, "report.json"), "utf8"))
    assert.equal(report.bad_rows.pope.count, 202)
    assert.equal(report.bad_rows.pope.rows.length, 50)
    const listed = readFileSync(join(results, "bad-rows.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))
    assert.equal(listed.length, 202)
    assert.ok(listed.every((b) => b.dataset === "pope" && b.file === "pope-coco/coco_pope_random.json" && typeof b.line === "number"))
    assert.deepEqual(listed.slice(0, 50).map(({ dataset: _, ...b }) => b), report.bad_rows.pope.rows)
    assert.deepEqual(listed.filter((b) => b.reason.startsWith("not UTF-8")).map((b) => b.line), latin1)
    const md = readFileSync(join(results, "report.md"), "utf8")
    assert.match(md, /202 source rows could not be read and were left out; each is listed with its file, line and reason in bad-rows\.jsonl \(below, the first 50 of each dataset\)\./)
    assert.match(md, /- \u2026 and 152 more in bad-rows\.jsonl/)
    const html = readFileSync(join(results, "report.html"), "utf8")
    assert.match(html, /\u2026 and 152 more in bad-rows\.jsonl/)
    const inspect = revo(["inspect", spec, "--json"])
    assert.equal(inspect.code, 0, inspect.stderr)
    const ds = JSON.parse(inspect.stdout).datasets.pope
    assert.equal(ds.bad_rows, 202)
    assert.equal(ds.bad_row_list.length, 202)
  })
})
