/**
 * The proof's statistics on hand-made data: the paired bootstrap (seeded, so fixed intervals; a
 * known difference is detected, a zero one is not), the verdict rule, and the degenerate rule.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { pairedBootstrap, pairedBootstraps, rng, spread, verdictOf } from "../../src/quality/bootstrap.ts"
import { degeneracyOf } from "../../src/quality/degenerate.ts"
import { dqIntervals } from "../../src/quality/dq.ts"

/** n item scores in [0, 1) from a seeded generator (a stand-in for per-item MQ). */
const scores = (n: number, seed: number): Array<number> => {
  const next = rng(seed)
  return Array.from({ length: n }, () => next())
}

describe("paired bootstrap", () => {
  const control = scores(400, 1)
  const noise = scores(400, 2).map((x) => (x - 0.5) * 0.02)

  it("a fixed seed gives fixed intervals, bit for bit; another seed gives others", () => {
    const sets = [{ name: "e1", subject: control.map((c, i) => c + noise[i]!), control }]
    const a = pairedBootstrap(sets, 500, 42, 0.02)
    const b = pairedBootstrap(sets, 500, 42, 0.02)
    assert.deepEqual(a, b)
    const c = pairedBootstrap(sets, 500, 43, 0.02)
    assert.notEqual(a.macro!.rel_lo, c.macro!.rel_lo)
    // the point estimate does not depend on the resampling
    assert.equal(a.macro!.rel_diff, c.macro!.rel_diff)
  })

  it("a known difference is detected: +10% on every item beats the control, -10% falls short", () => {
    const up = pairedBootstrap([{ name: "e", subject: control.map((c) => c * 1.1), control }], 1000, 7, 0.02)
    assert.equal(up.macro!.verdict, "beats")
    assert.ok(Math.abs(up.macro!.rel_diff - 0.1) < 1e-12)
    assert.ok(up.macro!.rel_lo > 0.02 && up.macro!.rel_hi >= 0.1 - 1e-9)
    const down = pairedBootstrap([{ name: "e", subject: control.map((c) => c * 0.9), control }], 1000, 7, 0.02)
    assert.equal(down.macro!.verdict, "falls short")
  })

  it("a zero difference is not: identical answers match, pure noise is never called a win or a loss", () => {
    const same = pairedBootstrap([{ name: "e", subject: control, control }], 1000, 7, 0.02)
    assert.equal(same.macro!.verdict, "matches")
    assert.deepEqual([same.macro!.rel_lo, same.macro!.rel_hi], [0, 0])
    // the subject is the control with items shuffled: same distribution, no real difference
    const shuffled = scores(400, 9)
    const noisy = pairedBootstrap([{ name: "e", subject: shuffled, control }], 1000, 7, 0.02)
    assert.ok(noisy.macro!.rel_lo < 0 && noisy.macro!.rel_hi > 0, JSON.stringify(noisy.macro))
    assert.equal(noisy.macro!.verdict, "inconclusive")
  })

  it("macro averages eval sets, item-weighted pools items; per-eval estimates stand alone", () => {
    const big = { name: "big", subject: Array(300).fill(0.6), control: Array(300).fill(0.5) }
    const small = { name: "small", subject: Array(10).fill(0.1), control: Array(10).fill(0.2) }
    const r = pairedBootstrap([small, big], 200, 1, 0.02)
    assert.ok(Math.abs(r.macro!.subject - 0.35) < 1e-12 && Math.abs(r.macro!.control - 0.35) < 1e-12)
    assert.ok(Math.abs(r.weighted!.subject - (300 * 0.6 + 10 * 0.1) / 310) < 1e-12)
    assert.equal(r.per_eval["small"]!.verdict, "falls short")
    assert.equal(r.per_eval["big"]!.verdict, "beats")
    assert.equal(r.weighted!.verdict, "beats")
    assert.throws(() => pairedBootstrap([{ name: "x", subject: [1, 2], control: [1] }], 10, 1, 0.02), /not paired/)
  })

  it("verdict rule: matches inside the margin, beats above 0, falls short below 0, else inconclusive", () => {
    assert.equal(verdictOf(-0.01, 0.015, 0.02), "matches")
    assert.equal(verdictOf(0.005, 0.015, 0.02), "matches")
    assert.equal(verdictOf(0.005, 0.05, 0.02), "beats")
    assert.equal(verdictOf(-0.05, -0.001, 0.02), "falls short")
    assert.equal(verdictOf(-0.096, 0.009, 0.02), "inconclusive")
    assert.equal(verdictOf(-0.01, 0.03, 0.02), "inconclusive")
  })

  it("several comparisons at once (items drawn once) equal each comparison on its own, bit for bit", () => {
    const a = scores(300, 3)
    const b = scores(300, 4)
    const sets = [{ name: "e2", series: { s: control.slice(0, 120), c: a.slice(0, 120), u: b.slice(0, 120) } }, { name: "e1", series: { s: control.slice(0, 300), c: a, u: b } }]
    const many = pairedBootstraps(sets, [["s", "c"], ["s", "u"], ["c", "u"]], 300, 9, 0.02)
    const one = (x: "s" | "c", y: "c" | "u") => pairedBootstrap(sets.map((e) => ({ name: e.name, subject: e.series[x], control: e.series[y] })), 300, 9, 0.02)
    assert.deepEqual(many, [one("s", "c"), one("s", "u"), one("c", "u")])
    assert.throws(() => pairedBootstraps([{ name: "e", series: { s: a, c: b.slice(1) } }], [["s", "c"]], 10, 1, 0.02), /bootstrap: e is not paired \(c has 299 items, s 300\)/u)
  })

  it("spread of the seeds: mean, sample sd, range", () => {
    const s = spread([1, 2, 3, 4])
    assert.deepEqual([s.mean, s.min, s.max, s.n], [2.5, 1, 4, 4])
    assert.ok(Math.abs(s.sd - Math.sqrt(5 / 3)) < 1e-12)
  })
})

describe("degenerate predictions", () => {
  const refs = Array.from({ length: 20 }, (_, i) => `caption number ${i}`)
  it("one answer to every item is degenerate; varied answers are not", () => {
    const d = degeneracyOf(Array(20).fill("A man riding a horse."), refs, 5)
    assert.equal(d?.distinct, 1)
    assert.equal(d?.top_share, 1)
    assert.equal(degeneracyOf(refs, refs, 5), null)
  })
  it("more than half on one answer is degenerate even with many distinct answers", () => {
    const answers = [...Array(11).fill("same"), ...refs.slice(0, 9)]
    assert.match(degeneracyOf(answers, refs, 5)!.reason, /55\.0% of the items/)
    assert.equal(degeneracyOf([...Array(10).fill("same"), ...refs.slice(0, 10)], refs, 5), null)
  })
  it("yes/no: two distinct answers are enough, a balanced model is fine, always-yes is not", () => {
    const yn = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? "yes" : "no"))
    assert.equal(degeneracyOf([...Array(12).fill("yes"), ...Array(8).fill("no")], yn, 5), null)
    assert.notEqual(degeneracyOf(Array(20).fill("Yes"), yn, 5), null)
    assert.notEqual(degeneracyOf([...Array(16).fill("yes"), ...Array(4).fill("no")], yn, 5), null)
  })
})

describe("DQ interval", () => {
  it("paired bootstrap over each eval set's items: contains the point, fixed by the seed, narrower with more items", () => {
    const ids = ["a", "b", "c"]
    const mk = (n: number, seed: number) => {
      const items: Record<string, Record<string, Array<number>>> = {}
      for (const t of ids) {
        items[t] = {}
        for (const e of ids) items[t]![e] = scores(n, seed + ids.indexOf(t) * 10 + ids.indexOf(e)).map((x) => x * (t === e ? 1 : 0.6))
      }
      return items
    }
    const opts = { normalize: "in_domain" as const, include_self: false }
    const small = dqIntervals(mk(30, 1), ids, opts, 400, rng(5))
    assert.deepEqual(small, dqIntervals(mk(30, 1), ids, opts, 400, rng(5)))
    const big = dqIntervals(mk(600, 1), ids, opts, 400, rng(5))
    for (const t of ids) {
      const s = small[t]!
      const b = big[t]!
      assert.ok(s.lo <= s.point && s.point <= s.hi, t)
      assert.ok(b.hi - b.lo < s.hi - s.lo, `${t}: more items, a narrower interval`)
      assert.ok(Math.abs(b.point - 0.6) < 0.1, `${t}: ${b.point}`)
    }
  })
})
