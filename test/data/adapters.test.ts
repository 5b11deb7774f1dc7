/** Every dataset of experiments/quickstart.yaml, loaded from ../shared/data, against its SOURCE.md. */
import { before, test } from "node:test"
import assert from "node:assert/strict"
import { loadDataset, loadDatasets, type LoadedDataset } from "../../src/data/load.ts"
import { stripImageTokens } from "../../src/data/llava.ts"
import { cocoImageId } from "../../src/data/image-id.ts"
import { decl, quickstart, run } from "./support.ts"

// samples, items (turns), references in all, distinct image ids: from each folder's SOURCE.md
const EXPECTED: Record<string, { samples: number; items: number; references?: number; images: number }> = {
  "llava-bench-coco": { samples: 90, items: 90, references: 90, images: 30 },
  "llava-instruct-100": { samples: 100, items: 458, references: 458, images: 100 },
  "llava-instruct-sampled-500": { samples: 500, items: 500, references: 500, images: 497 },
  "llava-pretrain-lcs-2k": { samples: 2183, items: 2183, references: 2183, images: 2183 },
  "aokvqa-val": { samples: 1145, items: 1145, references: 3 * 1145, images: 1122 },
  "okvqa-val": { samples: 4456, items: 4456, images: 4445 },
  "vqa-x": { samples: 1968, items: 1968, references: 3 * 1968, images: 1921 },
  "pope-coco": { samples: 3000, items: 3000, references: 3000, images: 500 },
  "coco-captions-val2017": { samples: 5000, items: 5000, references: 25014, images: 5000 },
  "coco-mini": { samples: 80, items: 80, references: 400, images: 80 },
  "gqa-testdev-balanced": { samples: 12578, items: 12578, references: 12578, images: 398 }
}

let all: Record<string, LoadedDataset>
before(async () => {
  const s = await quickstart()
  all = await run(loadDatasets(s.spec.datasets, { dataRoot: s.dataRoot, maxBadFraction: 0 }))
})

test("every quickstart dataset loads with the counts of its SOURCE.md and no bad rows", () => {
  assert.deepEqual(Object.keys(all).sort(), Object.keys(EXPECTED).sort())
  // the quickstart's 31,100 samples, unchanged by the dataset forms of issue 14; nothing filtered, no warning
  assert.equal(Object.values(all).reduce((n, d) => n + d.samples.length, 0), 31100)
  assert.ok(Object.values(all).every((d) => d.filtered === 0 && d.warnings.length === 0))
  for (const [id, want] of Object.entries(EXPECTED)) {
    const d = all[id]!
    const turns = d.samples.flatMap((s) => s.turns)
    assert.equal(d.samples.length, want.samples, `${id} samples`)
    assert.equal(turns.length, want.items, `${id} items`)
    if (want.references !== undefined) assert.equal(turns.reduce((n, t) => n + t.references.length, 0), want.references, `${id} references`)
    assert.equal(new Set(d.samples.map((s) => s.image.id)).size, want.images, `${id} images`)
    assert.deepEqual(d.badRows, [], `${id} bad rows`)
    assert.equal(new Set(d.samples.map((s) => s.id)).size, d.samples.length, `${id} ids unique`)
    assert.ok(d.samples.every((s) => s.dataset === id && s.turns.every((t) => t.instruction !== "" && t.references.length > 0)))
  }
})

test("llava: roles become instruction/response turns, <image> tokens are stripped", () => {
  const conv = all["llava-instruct-100"]!.samples[0]!
  assert.equal(conv.id, "000000379143")
  assert.deepEqual(conv.image, { id: "379143", path: "000000379143.jpg" })
  assert.equal(conv.turns[0]!.instruction, "What is the man doing in the back of the pickup truck?")
  assert.equal(conv.turns[1]!.instruction, "Is the man holding anything in his hands?")
  assert.match(conv.turns[0]!.references[0]!, /^The man is sitting on top of piled objects/)
  const turnsPer = all["llava-instruct-100"]!.samples.map((s) => s.turns.length)
  assert.deepEqual([turnsPer.filter((n) => n === 5).length, turnsPer.filter((n) => n === 4).length, turnsPer.filter((n) => n === 1).length], [61, 38, 1])
  for (const id of ["llava-instruct-100", "llava-pretrain-lcs-2k"]) {
    assert.ok(all[id]!.samples.every((s) => s.turns.every((t) => !t.instruction.includes("<image>"))), id)
  }
  const pre = all["llava-pretrain-lcs-2k"]!.samples[0]!
  assert.deepEqual([pre.id, pre.image.id, pre.turns[0]!.instruction, pre.turns[0]!.references[0]], ["000019465", "lcs:00001/000019465.jpg", "Provide a brief description of the given image.", "the bunk room"])
  assert.equal(stripImageTokens("What is it?\n<image>"), "What is it?")
  assert.equal(stripImageTokens("Look at <image> and say"), "Look at and say")
  assert.equal(stripImageTokens("first\n<image>\nsecond"), "first\nsecond")
})

test("llava: any role names; a conversation without an answer is a bad row", async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs")
  const { join } = await import("node:path")
  const { tmpdir } = await import("node:os")
  const dir = mkdtempSync(join(tmpdir(), "revo-llava-"))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, "c.json"), JSON.stringify([
    { id: "a", image: "COCO_val2014_000000000042.jpg", conversations: [{ from: "system", value: "be brief" }, { from: "USER", value: "<image>\nHi?" }, { from: "Assistant", value: "Hello." }, { from: "user", value: "More?" }, { from: "assistant", value: "No." }] },
    { id: "b", conversations: [{ role: "teacher", content: "Q1" }, { role: "student", content: "A1" }] },
    { id: "c", conversations: [{ from: "human", value: "Q" }] },
    { id: "d", conversations: [{ from: "gpt", value: "A" }, { from: "human", value: "Q" }] }
  ]))
  const d = await run(loadDataset("chat", decl({ source: { format: "llava", path: "c.json" }, image_ids: "coco" }), { dataRoot: dir, maxBadFraction: 1 }))
  assert.deepEqual(d.samples.map((s) => [s.id, s.image, s.turns]), [
    ["a", { id: "42", path: "COCO_val2014_000000000042.jpg" }, [{ instruction: "Hi?", references: ["Hello."] }, { instruction: "More?", references: ["No."] }]],
    ["b", {}, [{ instruction: "Q1", references: ["A1"] }]]
  ])
  assert.deepEqual(d.badRows.map((b) => [b.index, b.reason]), [
    [2, "empty response: the last instruction has no answer"],
    [3, "conversation starts with a response (conversations[0], role \"gpt\")"]
  ])
})

test("coco-captions: one sample per image, all its captions as references, the spec's instruction", () => {
  const coco = all["coco-captions-val2017"]!
  const s = coco.samples.find((x) => x.id === "179765")!
  assert.deepEqual(s.image, { id: "179765", path: "000000179765.jpg" })
  assert.equal(s.turns[0]!.instruction, "Describe the image briefly.")
  assert.ok(s.turns[0]!.references.includes("A black Honda motorcycle parked in front of a garage."))
  assert.ok(coco.samples.every((x) => x.turns[0]!.references.length >= 5))
})

test("json/jsonl/csv mappings: VQA-X templates, records keyed by id, OK-VQA lists, CSV columns", () => {
  const vqax = all["vqa-x"]!.samples.find((s) => s.id === "262284001")!
  assert.deepEqual(vqax.image, { id: "262284", path: "COCO_val2014_000000262284.jpg" })
  assert.deepEqual(vqax.turns[0]!.references, ["shower because it has a shower head hanging inside of it", "shower because there is a shower head", "shower because there is a faucet and a bathtub"])
  assert.equal(vqax.origin.file, "vqa-x/vqaX_test.json")
  const ok = all["okvqa-val"]!.samples[0]!
  assert.deepEqual([ok.id, ok.image.id, ok.turns[0]!.instruction, ok.turns[0]!.references.length], ["3397615", "339761", "Name the type of plant this is?", 10])
  // two OK-VQA questions hold empty answers among their ten: skipped and counted, not silent
  assert.equal(all["okvqa-val"]!.emptyReferencesSkipped, 4)
  const gqa = all["gqa-testdev-balanced"]!.samples[0]!
  assert.deepEqual([gqa.id, gqa.image.id, gqa.turns[0]!.references, gqa.origin], ["201303229", "gqa:n518912.jpg", ["The chair is short."], { file: "gqa-testdev-balanced/GQA_Result_compare.csv", line: 2 }])
  const sampled = all["llava-instruct-sampled-500"]!.samples[0]!
  assert.deepEqual([sampled.id, sampled.image.id], ["00000021121703", "211217"])
  const pope = all["pope-coco"]!.samples[0]!
  assert.deepEqual([pope.id, pope.image.id, pope.turns[0]!.references, pope.origin.line], ["1", "310196", ["yes"], 1])
})

test("joins: answers by question id (one), captions by image id (many, COCO ids normalised)", () => {
  const bench = all["llava-bench-coco"]!.samples[0]!
  assert.equal(bench.turns[0]!.instruction, "What is the color of the two suitcases in the image?")
  assert.deepEqual(bench.turns[0]!.references, ["The colors of the two suitcases in the image are black and brown with yellow details."])
  assert.equal(bench.task, "conv")
  assert.equal(bench.context!.split("\n").length, 5)
  const aok = all["aokvqa-val"]!
  assert.ok(aok.samples.every((s) => s.context !== undefined && s.context.split("\n").length >= 5))
  assert.equal(all["pope-coco"]!.samples.filter((s) => s.context !== undefined).length, 74 * 6)
  // VQA-X test: 205 images have val2017 captions
  assert.equal(new Set(all["vqa-x"]!.samples.filter((s) => s.context !== undefined).map((s) => s.image.id)).size, 205)
})

test("COCO ids are normalised from ints, 12-digit names and COCO file names; others are namespaced", () => {
  assert.equal(cocoImageId(262284), "262284")
  assert.equal(cocoImageId("000000262284"), "262284")
  assert.equal(cocoImageId("COCO_val2014_000000262284.jpg"), "262284")
  assert.equal(cocoImageId("train2014/COCO_train2014_000000211217.jpg"), "211217")
  assert.equal(cocoImageId("n518912.jpg"), undefined)
  // the same image across datasets: aokvqa ⊂ coco-captions-val2017 (INDEX.md)
  const coco = new Set(all["coco-captions-val2017"]!.samples.map((s) => s.image.id))
  assert.ok(all["aokvqa-val"]!.samples.every((s) => coco.has(s.image.id!)))
  const okvqa = new Set(all["okvqa-val"]!.samples.map((s) => s.image.id))
  const vqaxTest = new Set(all["vqa-x"]!.samples.map((s) => s.image.id))
  assert.equal([...okvqa].filter((i) => vqaxTest.has(i)).length, 201)
})
