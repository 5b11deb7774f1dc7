/** Splits: deterministic, stable under additions, and leakage-free across the real COCO overlaps. */
import { before, test } from "node:test"
import assert from "node:assert/strict"
import { loadDatasets, type LoadedDataset } from "../../src/data/load.ts"
import type { Sample } from "../../src/data/sample.ts"
import { initialEval, leakedImages, splitAll, type SplitResult } from "../../src/data/split.ts"
import { quickstart, run } from "./support.ts"

const sample = (dataset: string, id: string, image?: string): Sample => ({
  id, dataset, image: image === undefined ? {} : { id: image }, turns: [{ instruction: "q", references: ["r"] }], origin: { file: "f", index: 0 }
})
const ids = (xs: ReadonlyArray<Sample>) => xs.map((s) => s.id)
const many = (dataset: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => sample(dataset, `s${from + i}`))

test("same seed, same split; another seed, another split", () => {
  const data = [{ id: "a", samples: many("a", 1000) }]
  const one = splitAll(data, { eval: 0.1, leakage: "none" }, 7)
  const two = splitAll(data, { eval: 0.1, leakage: "none" }, 7)
  const other = splitAll(data, { eval: 0.1, leakage: "none" }, 8)
  assert.deepEqual(ids(one.perDataset["a"]!.eval), ids(two.perDataset["a"]!.eval))
  assert.notDeepEqual(ids(one.perDataset["a"]!.eval), ids(other.perDataset["a"]!.eval))
  const n = one.perDataset["a"]!.eval.length
  assert.ok(n > 70 && n < 130, `about 10% in eval, got ${n}`)
  assert.equal(one.perDataset["a"]!.train.length + n, 1000)
})

test("a fraction: adding samples moves no existing sample; the split does not depend on input order", () => {
  const before = splitAll([{ id: "a", samples: many("a", 500) }], { eval: 0.2, leakage: "none" }, 1).perDataset["a"]!
  const grown = splitAll([{ id: "a", samples: [...many("a", 500, 500), ...many("a", 500).reverse()] }], { eval: 0.2, leakage: "none" }, 1).perDataset["a"]!
  const evalBefore = new Set(ids(before.eval))
  const evalAfter = new Set(ids(grown.eval))
  for (const s of many("a", 500)) assert.equal(evalAfter.has(s.id), evalBefore.has(s.id), s.id)
})

test("a count: exactly n in eval; adding samples never moves a train sample to eval", () => {
  const base = many("b", 300)
  const a = initialEval(3, "b", base, 25)
  assert.equal(a.filter(Boolean).length, 25)
  const grown = [...base, ...many("b", 300, 300)]
  const b = initialEval(3, "b", grown, 25)
  assert.equal(b.filter(Boolean).length, 25)
  base.forEach((_, i) => { if (!a[i]) assert.equal(b[i], false) })
  // the per-dataset override wins over the global size, and a count is capped at the dataset size
  const r = splitAll([{ id: "b", samples: base, eval: 40 }, { id: "c", samples: many("c", 10), eval: 50 }], { eval: 0.5, leakage: "none" }, 3)
  assert.deepEqual([r.perDataset["b"]!.eval.length, r.perDataset["c"]!.eval.length, r.perDataset["c"]!.train.length], [40, 10, 0])
})

test("leakage within and across datasets on synthetic images: moved, never duplicated, sizes near target", () => {
  // 200 images x 6 questions (POPE-like) plus a caption set on half of the same images
  const q = Array.from({ length: 1200 }, (_, i) => sample("q", `q${i}`, String(i % 200)))
  const c = Array.from({ length: 100 }, (_, i) => sample("c", `c${i}`, String(i * 2)))
  const r = splitAll([{ id: "q", samples: q }, { id: "c", samples: c }], { eval: 0.1, leakage: "image" }, 42)
  assert.deepEqual(leakedImages(r), [])
  for (const [id, all] of [["q", q], ["c", c]] as const) {
    const d = r.perDataset[id]!
    assert.deepEqual([...ids(d.train), ...ids(d.eval)].sort(), ids(all).sort(), `${id}: every sample once`)
    assert.ok(Math.abs(d.eval.length - d.target) <= Math.max(6, 0.2 * d.target), `${id}: eval ${d.eval.length} near target ${d.target}`)
  }
  assert.ok(r.conflictingImages > 0)
  const none = splitAll([{ id: "q", samples: q }], { eval: 0.1, leakage: "none" }, 42)
  assert.ok(leakedImages(none).length > 0, "without the rule the same image is on both sides")
})

let all: Record<string, LoadedDataset>
let result: SplitResult
before(async () => {
  const s = await quickstart()
  all = await run(loadDatasets(s.spec.datasets, { dataRoot: s.dataRoot }))
  result = splitAll(Object.values(all).map((d) => ({ id: d.id, samples: d.samples })), { eval: 0.1, leakage: "image" }, 42)
})

test("the real COCO overlaps: no eval image id in any train split afterwards; moves reported per dataset", () => {
  assert.deepEqual(leakedImages(result), [])
  let moved = 0
  for (const [id, d] of Object.entries(result.perDataset)) {
    const samples = all[id]!.samples
    assert.equal(d.train.length + d.eval.length, samples.length, id)
    assert.equal(new Set([...ids(d.train), ...ids(d.eval)]).size, samples.length, `${id}: no duplicates`)
    assert.equal(d.movedForLeakage.total, d.movedForLeakage.toEval + d.movedForLeakage.toTrain)
    assert.ok(Math.abs(d.eval.length - d.target) <= Math.max(3, 0.15 * d.target), `${id}: eval ${d.eval.length} vs target ${d.target}`)
    moved += d.movedForLeakage.total
  }
  // A-OKVQA ⊂ COCO val2017 captions and POPE's 6 questions per image: both must have moved samples
  assert.ok(result.perDataset["aokvqa-val"]!.movedForLeakage.total > 0)
  assert.ok(result.perDataset["pope-coco"]!.movedForLeakage.total > 0)
  assert.ok(moved > 0 && result.conflictingImages > 0)
  // datasets that share no image with anything (LCS ids, COCO-mini train) are untouched
  assert.equal(result.perDataset["llava-pretrain-lcs-2k"]!.movedForLeakage.total, 0)
  const again = splitAll(Object.values(all).reverse().map((d) => ({ id: d.id, samples: d.samples })), { eval: 0.1, leakage: "image" }, 42)
  for (const id of Object.keys(all)) assert.deepEqual(ids(again.perDataset[id]!.eval), ids(result.perDataset[id]!.eval), id)
})
