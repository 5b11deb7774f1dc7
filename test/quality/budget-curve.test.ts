/**
 * The budget curve's points (src/quality/budget-curve.ts) on hand-made per-item values: the
 * random control is the mean over its seeds (with their spread), every gap has a paired bootstrap
 * interval fixed by the seed, a known gap is found and a zero one is not; then on a real run of
 * ../shared/data with two seeds per budget, the report's curve agrees with the proof's own means.
 */
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { pairedBootstrap, rng } from "../../src/quality/bootstrap.ts"
import { budgetCurvePoint } from "../../src/quality/budget-curve.ts"
import { revo } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"

const scores = (n: number, seed: number): Array<number> => {
  const next = rng(seed)
  return Array.from({ length: n }, () => 0.2 + next())
}
const options = { resamples: 500, seed: 42, margin: 0.02 }

describe("budget curve: one point from per-item values", () => {
  const union = [scores(300, 1), scores(120, 2)]
  const names = ["e1", "e2"]

  it("the random control is the mean over its seeds; REVO-LION 10% above the union beats it, a random equal to the union matches it", () => {
    // seed 0 at 0.9x and seed 1 at 1.1x the union: their mean is the union itself, item by item
    const point = budgetCurvePoint(0.25, { sets: ["random-b250", "random-b250-s1"], seeds: [7, 8] }, names.map((name, j) => ({
      name, revolion: union[j]!.map((v) => v * 1.1), random: [union[j]!.map((v) => v * 0.9), union[j]!.map((v) => v * 1.1)], union: union[j]!
    })), options)
    const m = (xs: Array<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
    const unionMacro = (m(union[0]!) + m(union[1]!)) / 2
    assert.ok(Math.abs(point.random.macro - unionMacro) < 1e-12)
    assert.ok(Math.abs(point.rel_revolion.macro - 0.1) < 1e-12 && Math.abs(point.rel_random.macro) < 1e-12)
    assert.deepEqual([point.random_seeds.sets, point.random_seeds.seeds, point.random_seeds.macro.n], [["random-b250", "random-b250-s1"], [7, 8], 2])
    assert.ok(Math.abs(point.random_seeds.macro.min - 0.9 * unionMacro) < 1e-12 && Math.abs(point.random_seeds.macro.max - 1.1 * unionMacro) < 1e-12)
    const rv = point.revolion_vs_union!.macro!
    assert.equal(rv.verdict, "beats")
    assert.ok(rv.rel_lo > 0.02 && rv.rel_lo <= 0.1 + 1e-9 && rv.rel_hi >= 0.1 - 1e-9)
    const rd = point.random_vs_union!.macro!
    assert.deepEqual([rd.verdict, Math.abs(rd.rel_lo) < 1e-12, Math.abs(rd.rel_hi) < 1e-12], ["matches", true, true])
    assert.equal(point.revolion_vs_random.macro!.verdict, "beats")
    // each interval is the proof's paired bootstrap of that pair (same seed, same resamples)
    const direct = pairedBootstrap(names.map((name, j) => ({ name, subject: union[j]!.map((v) => v * 1.1), control: union[j]! })), options.resamples, options.seed, options.margin)
    assert.deepEqual(point.revolion_vs_union, { macro: direct.macro, weighted: direct.weighted })
    assert.equal(point.revolion_vs_union!.weighted!.items, 420)
  })

  it("a fixed seed gives fixed intervals; noise around the union is never called a win or a loss", () => {
    const noisy = (j: number, s: number) => union[j]!.map((v, i) => v * (1 + (scores(union[j]!.length, s)[i]! - 0.7) * 0.02))
    const input = names.map((name, j) => ({ name, revolion: noisy(j, 10), random: [noisy(j, 11)], union: union[j]! }))
    const a = budgetCurvePoint(0.1, { sets: ["random-b100"], seeds: [7] }, input, options)
    assert.deepEqual(a, budgetCurvePoint(0.1, { sets: ["random-b100"], seeds: [7] }, input, options))
    assert.notEqual(a.revolion_vs_union!.macro!.rel_lo, budgetCurvePoint(0.1, { sets: ["random-b100"], seeds: [7] }, input, { ...options, seed: 43 }).revolion_vs_union!.macro!.rel_lo)
    for (const e of [a.revolion_vs_union!.macro!, a.random_vs_union!.macro!, a.revolion_vs_random.macro!]) {
      assert.ok(e.verdict === "matches" || e.verdict === "inconclusive", e.verdict)
      assert.ok(e.rel_lo <= e.rel_diff && e.rel_diff <= e.rel_hi)
    }
    // one seed: its spread is a single value
    assert.deepEqual([a.random_seeds.macro.n, a.random_seeds.macro.sd], [1, 0])
  })

  it("without a union: no interval against it, relative values 0; a control missing on an eval set is an error", () => {
    const p = budgetCurvePoint(0.5, { sets: ["random"], seeds: [1] }, names.map((name, j) => ({ name, revolion: union[j]!, random: [union[j]!], union: null })), options)
    assert.deepEqual([p.revolion_vs_union, p.random_vs_union, p.rel_revolion, p.rel_random], [null, null, { macro: 0, weighted: 0 }, { macro: 0, weighted: 0 }])
    assert.throws(() => budgetCurvePoint(0.5, { sets: ["random", "random-s1"], seeds: [1, 2] }, [{ name: "e1", revolion: union[0]!, random: [union[0]!], union: null }], options),
      /budget curve at 0\.5: e1 has 1 random controls, not 2/u)
  })
})

describe("budget curve on a real run: select.proof.budget_seeds random controls at each budget", () => {
  it("two seeds per budget: the tasks exist, and each point's random is the mean of its seeds' means in the proof", () => {
    const s = smallSpec()
    const sets = ["--set", "select.proof.budget_seeds=2"]
    const plan = (extra: ReadonlyArray<string>) =>
      (JSON.parse(revo(["plan", s.spec, "--store", s.store, "--json", ...extra]).stdout) as { tasks: Array<{ task: string }> }).tasks.map((t) => t.task)
    const one = plan([])
    const two = plan(sets)
    // 3 budgets besides select.budget, one more random control each: a tune, and a predict and a score per dataset's eval split
    assert.deepEqual(two.filter((t) => !one.includes(t)).sort(), ["0.1", "0.25", "0.75"].flatMap((b) => {
      const name = `random-b${String(Math.round(Number(b) * 1000)).padStart(3, "0")}-s1`
      return [`tune:${name}`, ...["coco-mini", "llava-bench-coco", "llava-instruct-100"].flatMap((e) => [`predict:${name}@${e}.eval`, `score:${name}@${e}.eval`])]
    }).sort())
    const r = revo(["run", s.spec, "--store", s.store, ...sets])
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(readFileSync(join(s.dir, "results", "small", "report.json"), "utf8")) as {
      proof: { means: Record<string, { macro: number; weighted: number }>; seeds: { seeds: Array<number> }; budget_curve: Array<Record<string, any>> }
    }
    const { means, budget_curve: curve } = report.proof
    assert.deepEqual(curve.map((b) => [b["budget"], b["random_seeds"].seeds]), [[0.1, [7, 8]], [0.25, [7, 8]], [0.5, report.proof.seeds.seeds], [0.75, [7, 8]]])
    for (const b of curve) {
      const seedsOf = b["random_seeds"].sets as Array<string>
      const mean = seedsOf.reduce((a, t) => a + means[t]!.macro, 0) / seedsOf.length
      assert.ok(Math.abs(b["random"].macro - mean) < 1e-12, `budget ${b["budget"]}: random ${b["random"].macro} vs the mean of its seeds ${mean}`)
      assert.ok(Math.abs(b["rel_revolion"].macro - (means[b["budget"] === 0.5 ? "revo-lion" : `revo-lion-b${String(b["budget"] * 1000).padStart(3, "0")}`]!.macro / means["union"]!.macro - 1)) < 1e-12)
      for (const k of ["revolion_vs_union", "random_vs_union", "revolion_vs_random"]) {
        const e = b[k].macro
        assert.ok(e.rel_lo <= e.rel_diff + 1e-12 && e.rel_diff <= e.rel_hi + 1e-12, `${k} at ${b["budget"]}: the interval holds the point`)
      }
    }
    const html = readFileSync(join(s.dir, "results", "small", "report.html"), "utf8")
    assert.equal((html.match(/<g class="ci /g) ?? []).length, 2 * curve.length, "an error bar per point")
    assert.equal((html.match(/<polygon class="band /g) ?? []).length, 2, "a band per series")
  })
})
