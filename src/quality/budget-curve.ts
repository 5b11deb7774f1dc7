/**
 * One point of the budget curve: REVO-LION at a budget and the stratified random controls drawn
 * to its per-dataset sizes (one per seed), each against the union of all train data, with paired
 * bootstrap 95% intervals (src/quality/bootstrap.ts) and the seeds' spread. The statistic is the
 * proof's: mean sample MQ over the headline's eval items, macro (mean over eval sets) and
 * item-weighted. The random control's value on an item is the mean over its seeds, as in the
 * headline. Pure; no I/O.
 */
import { pairedBootstraps, spread, type Estimate, type Means } from "./bootstrap.ts"

/** One eval set's per-item values, aligned (the same items in the same order for every set). */
export interface CurveEvalSet {
  readonly name: string
  readonly revolion: ArrayLike<number>
  /** one per random seed */
  readonly random: ReadonlyArray<ArrayLike<number>>
  /** null when the spec has no union control */
  readonly union: ArrayLike<number> | null
}

/** An interval of the headline gap, macro and item-weighted (null when there are no items). */
export interface CurveInterval {
  readonly macro: Estimate | null
  readonly weighted: Estimate | null
}

export interface BudgetCurvePoint {
  readonly budget: number
  readonly revolion: Means
  /** the mean over the random seeds */
  readonly random: Means
  /** each random seed's headline means: which sets, which seeds, and their spread */
  readonly random_seeds: {
    readonly sets: ReadonlyArray<string>
    readonly seeds: ReadonlyArray<number>
    readonly macro: ReturnType<typeof spread>
    readonly weighted: ReturnType<typeof spread>
  }
  /** (set - union) / union of the means (0 without a union) */
  readonly rel_revolion: Means
  readonly rel_random: Means
  /** paired bootstrap of REVO-LION - union, random (seed mean) - union, and REVO-LION - random */
  readonly revolion_vs_union: CurveInterval | null
  readonly random_vs_union: CurveInterval | null
  readonly revolion_vs_random: CurveInterval
}

export interface CurveOptions {
  readonly resamples: number
  readonly seed: number
  readonly margin: number
}

const meansOf = (sets: ReadonlyArray<ArrayLike<number>>): Means => {
  let macro = 0
  let sum = 0
  let n = 0
  for (const v of sets) {
    let s = 0
    for (let i = 0; i < v.length; i++) s += v[i]!
    macro += v.length > 0 ? s / v.length : 0
    sum += s
    n += v.length
  }
  return { macro: sets.length > 0 ? macro / sets.length : 0, weighted: n > 0 ? sum / n : 0 }
}

const relTo = (a: Means, b: Means | null): Means => ({
  macro: b !== null && b.macro !== 0 ? (a.macro - b.macro) / b.macro : 0,
  weighted: b !== null && b.weighted !== 0 ? (a.weighted - b.weighted) / b.weighted : 0
})

/** Per item, the mean over the random seeds. */
const seedMean = (random: ReadonlyArray<ArrayLike<number>>, n: number): Float64Array => {
  const out = new Float64Array(n)
  for (const r of random) {
    if (r.length !== n) throw new Error(`budget curve: a random control has ${r.length} items where REVO-LION has ${n}`)
    for (let i = 0; i < n; i++) out[i]! += r[i]! / random.length
  }
  return out
}

export const budgetCurvePoint = (
  budget: number,
  random: { readonly sets: ReadonlyArray<string>; readonly seeds: ReadonlyArray<number> },
  evalSets: ReadonlyArray<CurveEvalSet>,
  options: CurveOptions
): BudgetCurvePoint => {
  if (random.sets.length === 0 || random.sets.length !== random.seeds.length) throw new Error(`budget curve at ${budget}: ${random.sets.length} random sets for ${random.seeds.length} seeds`)
  for (const e of evalSets) if (e.random.length !== random.sets.length) throw new Error(`budget curve at ${budget}: ${e.name} has ${e.random.length} random controls, not ${random.sets.length}`)
  const randomMean = evalSets.map((e) => seedMean(e.random, e.revolion.length))
  const revolion = meansOf(evalSets.map((e) => e.revolion))
  const randomMeans = meansOf(randomMean)
  const perSeed = random.sets.map((_, i) => meansOf(evalSets.map((e) => e.random[i]!)))
  const hasUnion = evalSets.length > 0 && evalSets.every((e) => e.union !== null)
  const union = hasUnion ? meansOf(evalSets.map((e) => e.union!)) : null
  // The three comparisons on the same resamples (the proof's seed), drawn once: each equals its own pairedBootstrap.
  const results = pairedBootstraps(
    evalSets.map((e, j) => ({ name: e.name, series: { revolion: e.revolion, random: randomMean[j]!, ...(e.union !== null ? { union: e.union } : {}) } })),
    [["revolion", "random"], ...(hasUnion ? [["revolion", "union"], ["random", "union"]] as const : [])],
    options.resamples, options.seed, options.margin
  ).map((r) => ({ macro: r.macro, weighted: r.weighted }))
  return {
    budget,
    revolion,
    random: randomMeans,
    random_seeds: {
      sets: random.sets,
      seeds: random.seeds,
      macro: spread(perSeed.map((m) => m.macro)),
      weighted: spread(perSeed.map((m) => m.weighted))
    },
    rel_revolion: relTo(revolion, union),
    rel_random: relTo(randomMeans, union),
    revolion_vs_union: hasUnion ? results[1]! : null,
    random_vs_union: hasUnion ? results[2]! : null,
    revolion_vs_random: results[0]!
  }
}
