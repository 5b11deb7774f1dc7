/** Planted bad rows: each is reported with its file, line (or index) and reason; too many fail the load. */
import { after, test } from "node:test"
import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DataFileError, DataJoinError, TooManyBadRows, formatBadRow } from "../../src/data/errors.ts"
import { loadDataset } from "../../src/data/load.ts"
import { decl, failure, run } from "./support.ts"

const dir = mkdtempSync(join(tmpdir(), "revo-bad-"))
const ctx = { dataRoot: dir, maxBadFraction: 1 }
after(() => rmSync(dir, { recursive: true, force: true }))

test("jsonl: invalid JSON, missing field, empty response, wrong type, duplicate id — each with its line", async () => {
  writeFileSync(join(dir, "q.jsonl"), [
    JSON.stringify({ qid: 1, image: "COCO_val2014_000000000001.jpg", q: "What?", a: "This." }),
    "{not json",
    JSON.stringify({ qid: 3, image: "COCO_val2014_000000000003.jpg", a: "No question." }),
    "",
    JSON.stringify({ qid: 5, image: "COCO_val2014_000000000005.jpg", q: "Empty?", a: "   " }),
    JSON.stringify({ qid: 6, image: "COCO_val2014_000000000006.jpg", q: { nested: true }, a: "x" }),
    JSON.stringify({ qid: 1, image: "COCO_val2014_000000000007.jpg", q: "Again?", a: "Dup." }),
    JSON.stringify({ qid: 8, image: "n518912.jpg", q: "GQA image?", a: "Not COCO." }),
    JSON.stringify({ qid: 9, image: "COCO_val2014_000000000009.jpg", q: "Fine?", a: "Yes." })
  ].join("\n") + "\n")
  const d = await run(loadDataset("planted", decl({
    source: { format: "jsonl", path: "q.jsonl" },
    fields: { id: "qid", image: "image", instruction: "q", references: "a" },
    image_ids: "coco"
  }), ctx))
  assert.deepEqual(d.samples.map((s) => s.id), ["1", "9"])
  assert.deepEqual(d.badRows.map((b) => [b.line, b.reason.replace(/: Expected.*|: Unexpected.*/u, "")]), [
    [2, "invalid JSON"],
    [3, "instruction: missing field q"],
    [5, "empty response (no non-empty reference)"],
    [6, "instruction: wrong type: q is an object, expected a text"],
    [7, "duplicate id \"1\" (first at line 1)"],
    [8, "image: \"n518912.jpg\" is not a COCO image id (image_ids: coco)"]
  ])
  assert.equal(d.rows, 8)
  assert.ok(d.badRows.every((b) => b.file === "q.jsonl"))
  assert.equal(formatBadRow(d.badRows[1]!), "q.jsonl:3: instruction: missing field q")
})

test("csv: wrong field counts and malformed quotes carry the line the record starts on", async () => {
  writeFileSync(join(dir, "t.csv"), [
    "id,question,answer",
    "a,\"Multi-line\nquestion?\",\"Yes, it is.\"",
    "b,Too,many,fields",
    "c,\"Quoted\"tail,x",
    "d,Short",
    "e,Fine?,Fine.",
    "f,No answer?,"
  ].join("\n"))
  const d = await run(loadDataset("planted-csv", decl({
    source: { format: "csv", path: "t.csv" }, fields: { id: "id", instruction: "question", references: "answer" }
  }), ctx))
  assert.deepEqual(d.samples.map((s) => [s.id, s.origin.line, s.turns[0]!.instruction, s.turns[0]!.references]), [
    ["a", 2, "Multi-line\nquestion?", ["Yes, it is."]],
    ["e", 7, "Fine?", ["Fine."]]
  ])
  assert.deepEqual(d.badRows.map((b) => [b.line, b.reason]), [
    [4, "wrong number of fields: expected 3 (the header's), got 4"],
    [5, "malformed CSV: text after a closing quote on line 5"],
    [6, "wrong number of fields: expected 3 (the header's), got 2"],
    [8, "empty response (no non-empty reference)"]
  ])
})

test("json: bad records are listed by index (and key for records keyed by id)", async () => {
  writeFileSync(join(dir, "k.json"), JSON.stringify({
    "100": { question: "Q?", explanation: ["because"] },
    "101": { question: "Q2?", explanation: "not a list" },
    "102": { question: "Q3?" }
  }))
  const d = await run(loadDataset("keyed", decl({
    source: { format: "json", path: "k.json", records: "*" },
    fields: { id: "$key", instruction: "question", references: "{explanation[*]}!" }
  }), ctx))
  assert.deepEqual(d.samples.map((s) => [s.id, s.origin, s.turns[0]!.references]), [["100", { file: "k.json", index: 0 }, ["because!"]]])
  assert.deepEqual(d.badRows.map((b) => [b.index, b.key, b.reason]), [
    [1, "101", "references: wrong type: explanation is a text, not a list"],
    [2, "102", "references: missing field explanation"]
  ])
  assert.equal(formatBadRow(d.badRows[0]!), "k.json record[1] (key \"101\"): references: wrong type: explanation is a text, not a list")
})

test("a required join without a match is a bad row; a non-unique join key is a clear error", async () => {
  writeFileSync(join(dir, "qs.jsonl"), [1, 2, 3].map((i) => JSON.stringify({ question_id: i, text: `Q${i}?` })).join("\n"))
  writeFileSync(join(dir, "as.jsonl"), [1, 3, 3].map((i) => JSON.stringify({ question_id: i, text: `A${i}.` })).join("\n"))
  const base = { source: { format: "jsonl", path: "qs.jsonl" }, fields: { id: "question_id", instruction: "text", references: "answer[*].text" } }
  const many = await run(loadDataset("j", decl({ ...base, joins: [{ as: "answer", path: "as.jsonl", format: "jsonl", key: "question_id", on: "question_id", many: true, required: true }] }), ctx))
  assert.deepEqual(many.samples.map((s) => s.turns[0]!.references), [["A1."], ["A3.", "A3."]])
  assert.deepEqual(many.badRows.map((b) => [b.line, b.reason]), [[2, "join \"answer\": no row with key \"2\" (read from on: question_id); keys of as.jsonl look like \"1\""]])
  const one = await failure(loadDataset("j", decl({ ...base, joins: [{ as: "answer", path: "as.jsonl", format: "jsonl", key: "question_id", on: "question_id" }] }), ctx))
  assert.ok(one instanceof DataJoinError)
  assert.match(one.message, /key "3" occurs more than once in as.jsonl; declare many: true/)
})

test("max_bad_fraction: above it the load fails with a typed error listing the first bad rows", async () => {
  const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify(i < 2 ? { id: i, q: "Q?" } : { id: i, q: "Q?", a: "A." }))
  writeFileSync(join(dir, "f.jsonl"), lines.join("\n"))
  const d = decl({ source: { format: "jsonl", path: "f.jsonl" }, fields: { id: "id", instruction: "q", references: "a" } })
  const ok = await run(loadDataset("f", d, { dataRoot: dir, maxBadFraction: 0.02 }))
  assert.equal(ok.badRows.length, 2)
  const err = await failure(loadDataset("f", d, { dataRoot: dir }))
  assert.ok(err instanceof TooManyBadRows)
  assert.deepEqual([err.bad, err.rows, err.maxFraction], [2, 100, 0.01])
  assert.match(err.message, /Dataset f: 2 of 100 rows are bad \(2\.00%, more than split\.max_bad_fraction 1\.00%\)/)
  assert.match(err.message, /f\.jsonl:1: references: missing field a/)
})

test("an unreadable or mis-declared file is a typed error naming the file", async () => {
  writeFileSync(join(dir, "lines.json"), "{\"a\": 1}\n{\"a\": 2}\n")
  const e1 = await failure(loadDataset("x", decl({ source: { format: "json", path: "lines.json" }, fields: { instruction: "a", references: "a" } }), ctx))
  assert.ok(e1 instanceof DataFileError)
  assert.match(e1.message, /not valid JSON.*declare format: jsonl/)
  const e2 = await failure(loadDataset("x", decl({ source: { format: "json", path: "k.json", records: "data" }, fields: { instruction: "a", references: "a" } }), ctx))
  assert.match(e2.message, /records "data": the document has no field "data" \(fields: 100, 101, 102\)/)
  const e3 = await failure(loadDataset("x", decl({ source: { format: "jsonl", path: "absent.jsonl" }, fields: { instruction: "a", references: "a" } }), ctx))
  assert.match(e3.message, /no such file/)
})
