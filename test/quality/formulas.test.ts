import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { dqOf } from "../../src/quality/dq.ts"
import { mqOf } from "../../src/quality/mq.ts"
import { keepCount, perDataset, randomSubset, stratifiedRandom, topGlobal } from "../../src/quality/select.ts"
import { midRankPercentiles, quantile, sqOf, summarize } from "../../src/quality/sq.ts"

const close = (a: number | null | undefined, b: number) => assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-12, `${a} != ${b}`)

// A 3x3 MQ matrix, rows = tune set, columns = eval set.
const mq = {
  a: { a: 0.5, b: 0.2, c: 0.1 },
  b: { a: 0.25, b: 0.4, c: 0.3 },
  c: { a: 0.1, b: 0.1, c: 0.6 }
}

describe("MQ", () => {
  it("is the mean of the configured metrics", () => {
    close(mqOf({ bleu4: 0.1, meteor: 0.3, rouge_l: 0.5, cider: 9 }, ["bleu4", "meteor", "rouge_l"]), 0.3)
    assert.throws(() => mqOf({ bleu4: 0.1 }, ["bleu4", "cider"]), /cider was not computed/)
  })
})

describe("DQ", () => {
  it("in-domain normalised, self excluded (by hand)", () => {
    const dq = dqOf(mq, ["a", "b", "c"], { normalize: "in_domain", include_self: false })
    close(dq["a"], (0.2 / 0.4 + 0.1 / 0.6) / 2)
    close(dq["b"], (0.25 / 0.5 + 0.3 / 0.6) / 2)
    close(dq["c"], (0.1 / 0.5 + 0.1 / 0.4) / 2)
  })
  it("include_self adds MQ(T->T)/MQ(T->T) = 1", () => {
    const dq = dqOf(mq, ["a", "b", "c"], { normalize: "in_domain", include_self: true })
    close(dq["a"], (1 + 0.2 / 0.4 + 0.1 / 0.6) / 3)
  })
  it("normalize none is the plain mean off the diagonal", () => {
    const dq = dqOf(mq, ["a", "b", "c"], { normalize: "none", include_self: false })
    close(dq["b"], (0.25 + 0.3) / 2)
  })
})

describe("SQ", () => {
  // Dataset c; samples s1 (two turns), s2 and s3 (one turn each); models a and b answered them.
  const input = {
    dataset: "c",
    sampleOf: new Map([["s1#0", "s1"], ["s1#1", "s1"], ["s2#0", "s2"], ["s3#0", "s3"]]),
    perModel: new Map([
      ["a", new Map([["s1#0", 0.2], ["s1#1", 0.4], ["s2#0", 0.05], ["s3#0", 0.3]])],
      ["b", new Map([["s1#0", 0.6], ["s1#1", 0.0], ["s2#0", 0.9], ["s3#0", 0.3]])]
    ])
  }
  // MQ_a: s1 0.3, s2 0.05, s3 0.3 (mean 0.65/3); MQ_b: s1 0.3, s2 0.9, s3 0.3 (mean 0.5)
  it("rank: mid-rank percentiles among the dataset's samples, ties averaged, mean over models (by hand)", () => {
    const r = sqOf(input, { normalize: "rank" })
    // a: s2 lowest -> (0 + 1/2)/3; s1 and s3 tie above it -> (1 + 2/2)/3. b: s1, s3 tie lowest -> (0 + 2/2)/3; s2 -> (2 + 1/2)/3
    close(r.sq.get("s1"), (2 / 3 + 1 / 3) / 2)
    close(r.sq.get("s2"), (0.5 / 3 + 2.5 / 3) / 2)
    close(r.sq.get("s3"), r.sq.get("s1")!)
    close(r.perModel.get("s1")?.get("a"), 0.3)
    assert.deepEqual(midRankPercentiles([5, 5, 5, 5]), [0.5, 0.5, 0.5, 0.5])
    assert.deepEqual(midRankPercentiles([3, 1, 2]), [2.5 / 3, 0.5 / 3, 1.5 / 3])
  })
  it("rank is unmoved by a model's scale: noise of 1e-17 cannot outvote a real model", () => {
    const tiny = { ...input, perModel: new Map([...input.perModel, ["n", new Map([["s1#0", 3e-17], ["s1#1", 3e-17], ["s2#0", 0], ["s3#0", 9e-17]])]]) }
    const r = sqOf(tiny, { normalize: "rank" })
    for (const v of r.sq.values()) assert.ok(v > 0 && v < 1)
    // with ratio, the same model is left out for want of signal, and listed
    const q = sqOf(tiny, { normalize: "ratio" })
    assert.deepEqual(q.excluded.map((e) => e.model), ["n"])
    assert.match(q.excluded[0]!.reason, /mean sample MQ .* < 0.000001|mean sample MQ .* < 1e-6/)
    close(q.sq.get("s2"), (0.05 / (0.65 / 3) + 0.9 / 0.5) / 2)
  })
  it("ratio: the share of items above the floor counts too (min_signal.nonzero)", () => {
    const sparse = { ...input, perModel: new Map([["z", new Map([["s1#0", 0], ["s1#1", 0], ["s2#0", 0], ["s3#0", 0.9]])]]) }
    assert.deepEqual(sqOf(sparse, { normalize: "ratio" }).excluded.map((e) => e.model), [])
    const r = sqOf(sparse, { normalize: "ratio", min_signal: { mean: 1e-6, nonzero: 0.3 } })
    assert.deepEqual(r.excluded.map((e) => [e.model, e.nonzero]), [["z", 0.25]])
    assert.equal(r.sq.size, 0, "no usable model: no SQ (the plan gives these the neutral value and counts them)")
  })
  it("zscore (by hand), and a constant model is left out", () => {
    const r = sqOf(input, { normalize: "zscore" })
    const m = 0.65 / 3
    const sd = Math.sqrt(((0.3 - m) ** 2 * 2 + (0.05 - m) ** 2) / 3)
    const mb = 0.5
    const sdb = Math.sqrt(((0.3 - mb) ** 2 * 2 + (0.9 - mb) ** 2) / 3)
    close(r.sq.get("s2"), ((0.05 - m) / sd + (0.9 - mb) / sdb) / 2)
    const flat = { ...input, perModel: new Map([["k", new Map([["s1#0", 0.5], ["s1#1", 0.5], ["s2#0", 0.5], ["s3#0", 0.5]])]]) }
    assert.match(sqOf(flat, { normalize: "zscore" }).excluded[0]!.reason, /sd 0/)
  })
  it("a model tuned on the sample's own dataset is never used", () => {
    const withSelf = { ...input, perModel: new Map([...input.perModel, ["c", new Map([["s1#0", 1], ["s1#1", 1], ["s2#0", 1], ["s3#0", 1]])]]) }
    for (const normalize of ["rank", "ratio", "zscore"] as const) {
      assert.equal(sqOf(withSelf, { normalize }).sq.get("s2"), sqOf(input, { normalize }).sq.get("s2"), normalize)
    }
  })
  it("summaries use numpy's linear quantiles", () => {
    close(quantile([1, 2, 3, 4], 0.5), 2.5)
    close(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.1), 2)
    const s = summarize([3, 1, 2])
    assert.deepEqual([s.n, s.mean, s.p50], [3, 2, 2])
  })
})

describe("selection", () => {
  const samples = [
    { id: "x1", dataset: "d1", sq: 0.9 }, { id: "x2", dataset: "d1", sq: 0.1 }, { id: "x3", dataset: "d1", sq: 0.5 }, { id: "x4", dataset: "d1", sq: 0.5 },
    { id: "y1", dataset: "d2", sq: 5 }, { id: "y2", dataset: "d2", sq: 4 }
  ]
  it("keeps the top budget of each dataset; a tie at the cut-off is reported and broken by the seed, not by id", () => {
    const seeds = Array.from({ length: 16 }, (_, i) => i)
    const picks = seeds.map((seed) => perDataset(samples, () => 0.5, seed).chosen.map((s) => s.id))
    for (const ids of picks) {
      assert.equal(ids.length, 3)
      assert.ok(ids.includes("x1") && ids.includes("y1"))
      assert.ok(ids.includes("x3") !== ids.includes("x4"), "exactly one of the tied pair")
    }
    assert.ok(picks.some((ids) => ids.includes("x3")) && picks.some((ids) => ids.includes("x4")), "the seed decides, so both sides win sometimes")
    assert.deepEqual(perDataset(samples, () => 0.5, 3).chosen, perDataset(samples, () => 0.5, 3).chosen, "same seed, same pick")
    assert.deepEqual(perDataset(samples, () => 0.5, 3).ties, { d1: { cutoff_sq: 0.5, tied: 2, kept: 1 }, d2: { cutoff_sq: 5, tied: 0, kept: 0 } })
    assert.deepEqual(perDataset(samples, (d) => (d === "d1" ? 0.75 : 0.5), 3).ties, { d1: { cutoff_sq: 0.5, tied: 0, kept: 0 }, d2: { cutoff_sq: 5, tied: 0, kept: 0 } })
  })
  it("bottom: the lowest of each dataset, same sizes", () => {
    const bottom = perDataset(samples, () => 0.5, 3, "bottom").chosen.map((s) => s.id)
    assert.ok(bottom.includes("x2") && bottom.includes("y2"))
    assert.equal(bottom.length, 3)
  })
  it("global policy lets a dataset crowd out another", () => {
    assert.deepEqual(topGlobal(samples, 0.5).chosen.map((s) => s.id), ["y1", "y2", "x1"])
  })
  it("counts and fractions", () => {
    assert.equal(keepCount(10, 0.5), 5)
    assert.equal(keepCount(10, 3), 3)
    assert.equal(keepCount(10, 30), 10)
    assert.equal(keepCount(1, 0.1), 1)
  })
  it("the random control is seeded and stable", () => {
    const a = randomSubset(samples, 3, 42).map((s) => s.id)
    assert.deepEqual(randomSubset(samples, 3, 42).map((s) => s.id), a)
    assert.notDeepEqual(randomSubset(samples, 3, 7).map((s) => s.id), a)
    assert.equal(new Set(a).size, 3)
  })
  it("stratified random: exactly the asked size per dataset, seeded", () => {
    for (const seed of [0, 1, 2, 3]) {
      const r = stratifiedRandom(samples, { d1: 3, d2: 1 }, seed)
      assert.deepEqual([r.filter((s) => s.dataset === "d1").length, r.filter((s) => s.dataset === "d2").length], [3, 1])
      assert.deepEqual(stratifiedRandom(samples, { d1: 3, d2: 1 }, seed), r)
    }
    assert.equal(stratifiedRandom(samples, { d1: 99 }, 0).length, 4, "capped at the pool")
  })
})
