/**
 * The fast canonical JSON writer gives the definition's bytes (`reference`) on real data read in
 * both key orders (as parsed from the source files: unsorted; as read back from the store:
 * sorted, the engine's path), on real per-item scores, and on every value where JSON.stringify
 * and the definition part ways (holes, functions, toJSON, boxed numbers, prototypes, integer-like
 * keys); the memoised array writer gives the same bytes as writing the array.
 */
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { scoreItems } from "../../src/metrics/index.ts"
import { canonicalJson, canonicalJsonArrayBytes, reference } from "../../src/util/canonical-json.ts"
import { sharedData } from "../support/cli.ts"

const same = (value: unknown, what: string) => assert.equal(canonicalJson(value), reference(value), what)

const realFiles = [
  "llava-instruct-100/llava_instruct_100.json",
  "coco-mini/annotations/captions_train2017.json",
  "aokvqa-val/aokvqa_v1p0_val.json",
  "vqa-x/vqaX_test.json"
]

describe("canonicalJson", () => {
  it("writes the definition's bytes for real data as parsed (unsorted keys) and as stored (sorted keys)", () => {
    for (const f of realFiles) {
      const parsed: unknown = JSON.parse(readFileSync(join(sharedData, f), "utf8"))
      const text = reference(parsed)
      assert.equal(canonicalJson(parsed), text, f)
      // Read back from the store: every object's keys sorted, so the engine writes it whole.
      assert.equal(canonicalJson(JSON.parse(text)), text, `${f} read back`)
    }
    const lines = readFileSync(join(sharedData, "llava-bench-coco/qa90_questions.jsonl"), "utf8").trim().split("\n")
    same(lines.map((l) => JSON.parse(l) as unknown), "qa90 questions")
  })

  it("writes the definition's bytes for real per-item scores (keys in metric order, not sorted)", () => {
    const answers = readFileSync(join(sharedData, "llava-bench-coco/qa90_gpt4_answer.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { question_id: number; text: string })
    const items = answers.map((a, i) => ({ id: String(a.question_id), candidate: answers[(i + 1) % answers.length]!.text, references: [a.text] }))
    const scores = scoreItems(items, ["bleu4", "meteor", "rouge_l"])
    assert.ok(Object.keys(scores.items[0]!)[0] === "id", "the items are not in sorted key order: the slow path is exercised")
    same(scores, "scores")
  })

  it("writes the definition's bytes where JSON.stringify alone would not", () => {
    const hole = [1, , 3] // eslint-disable-line no-sparse-arrays
    const boxed = { a: Object(1) as unknown, b: [Object("s") as unknown] }
    const cases: ReadonlyArray<[string, unknown]> = [
      ["undefined member and element", { b: undefined, a: [undefined, 1] }],
      ["hole", hole],
      ["hole inside a sorted object", { a: hole }],
      ["function member", { a: () => 1, b: 2 }],
      ["function element", [() => 1]],
      ["symbol member", { a: Symbol("x") }],
      ["date", { a: new Date(0) }],
      ["own toJSON", { a: { toJSON: () => "x", b: 1 } }],
      ["array with toJSON", Object.assign([1, 2], { toJSON: () => "x" })],
      ["boxed primitives", boxed],
      ["null prototype", Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
      ["class instance", new (class { z = 1; a = 2 })()],
      ["map and set", { m: new Map([[1, 2]]), s: new Set([1]) }],
      ["integer-like keys (engine order 9, 10; sorted 10, 9)", { 9: "a", 10: "b", x: 1 }],
      ["non-finite numbers and minus zero", { a: NaN, b: Infinity, c: -0, d: [-Infinity, 1e21, 5e-324] }],
      ["strings needing escapes and lone surrogates", { "\u2028k": "\ud800", é: "\u0000\n\"\\", "😀": "x" }],
      ["deep unsorted leaf under sorted levels", { a: [{ a: 1, b: [{ y: 1, x: 2 }] }] }],
      ["top-level primitives", [null, true, 0, "s"]],
      ["top-level undefined", undefined],
      ["top-level function", () => 1]
    ]
    for (const [what, value] of cases) same(value, what)
    for (const v of [undefined, () => 1, NaN, "s", 1, null, true]) same(v, `top level ${String(v)}`)
    assert.throws(() => canonicalJson({ a: 1n }), TypeError)
    assert.throws(() => reference({ a: 1n }), TypeError)
  })

  it("canonicalJsonArrayBytes repeats each object's bytes from its memo and gives the array's bytes", () => {
    // Non-ASCII text (the encoding is per piece), objects shared between two arrays.
    const samples = JSON.parse(readFileSync(join(sharedData, "llava-instruct-100/llava_instruct_100.json"), "utf8")) as Array<object>
    const memo = new WeakMap<object, Buffer>()
    const first = [...samples.slice(0, 60), { text: "café \u2028 😀" }]
    const second = [...samples.slice(30, 90)].reverse()
    assert.equal(canonicalJsonArrayBytes(first, memo).toString("utf8"), canonicalJson(first))
    assert.equal(canonicalJsonArrayBytes(second, memo).toString("utf8"), reference(second))
    assert.equal(memo.get(samples[45]!)?.toString("utf8"), reference(samples[45]!))
    assert.equal(canonicalJsonArrayBytes([], memo).toString("utf8"), "[]")
    assert.equal(canonicalJsonArrayBytes([{ a: 1 }], memo).toString("utf8"), "[{\"a\":1}]")
  })
})
