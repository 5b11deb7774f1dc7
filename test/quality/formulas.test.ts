import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { dqOf } from "../../src/quality/dq.ts"
import { mqOf } from "../../src/quality/mq.ts"
import { keepCount, randomSubset, topGlobal, topPerDataset } from "../../src/quality/select.ts"
import { quantile, sqOf, summarize } from "../../src/quality/sq.ts"

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
  // Dataset c; samples s1 (two turns) and s2 (one turn); models a and b answered them.
  const input = {
    dataset: "c",
    sampleOf: new Map([["s1#0", "s1"], ["s1#1", "s1"], ["s2#0", "s2"]]),
    perModel: new Map([
      ["a", new Map([["s1#0", 0.2], ["s1#1", 0.4], ["s2#0", 0.05]])],
      ["b", new Map([["s1#0", 0.6], ["s1#1", 0.0], ["s2#0", 0.9]])]
    ])
  }
  it("per-model normalised mean over the other datasets' models (by hand)", () => {
    // MQ_a(s1) = 0.3, MQ_a(s2) = 0.05: a's mean on c = 0.175; MQ_b(s1) = 0.3, MQ_b(s2) = 0.9: mean 0.6
    const r = sqOf(input, { normalize: "per_model" })
    close(r.sq.get("s1"), (0.3 / 0.175 + 0.3 / 0.6) / 2)
    close(r.sq.get("s2"), (0.05 / 0.175 + 0.9 / 0.6) / 2)
    close(r.perModel.get("s1")?.get("a"), 0.3)
  })
  it("a model that scores 0 on every sample of the dataset cannot normalise and is left out", () => {
    const zero = { ...input, perModel: new Map([...input.perModel, ["z", new Map([["s1#0", 0], ["s1#1", 0], ["s2#0", 0]])]]) }
    close(sqOf(zero, { normalize: "per_model" }).sq.get("s2"), (0.05 / 0.175 + 0.9 / 0.6) / 2)
  })
  it("normalize none", () => {
    const r = sqOf(input, { normalize: "none" })
    close(r.sq.get("s2"), (0.05 + 0.9) / 2)
  })
  it("a model tuned on the sample's own dataset is never used", () => {
    const withSelf = { ...input, perModel: new Map([...input.perModel, ["c", new Map([["s1#0", 1], ["s1#1", 1], ["s2#0", 1]])]]) }
    assert.equal(sqOf(withSelf, { normalize: "none" }).sq.get("s2"), sqOf(input, { normalize: "none" }).sq.get("s2"))
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
  it("keeps the top budget of each dataset, ties by id", () => {
    assert.deepEqual(topPerDataset(samples, () => 0.5).map((s) => s.id), ["x1", "x3", "y1"])
    assert.deepEqual(topPerDataset(samples, (d) => (d === "d1" ? 0.75 : 0.5)).map((s) => s.id), ["x1", "x3", "x4", "y1"])
  })
  it("global policy lets a dataset crowd out another", () => {
    assert.deepEqual(topGlobal(samples, 0.5).map((s) => s.id), ["y1", "y2", "x1"])
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
})
