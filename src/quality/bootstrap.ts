/**
 * The proof's statistics: a paired, stratified bootstrap over eval items of the difference
 * between a subject tune set (REVO-LION) and a control, per eval set and for the headline
 * (macro: mean over eval sets; item-weighted: mean over all items), and the verdict the 95%
 * interval supports. The statistic is the mean sample-level MQ (the quantity SQ ranks), because
 * corpus-level metrics cannot be resampled item by item; the report says so beside the numbers.
 *
 * Paired: subject and control are evaluated on the same resampled items. Stratified: each eval
 * set is resampled within itself, so its size (and the macro mean's design) is fixed. Seeded: the
 * same seed gives the same intervals, bit for bit; each comparison restarts the generator, so
 * every comparison sees the same resamples (they are paired with each other too).
 * Pure; no I/O.
 */
import { mulberry32 } from "../util/prng.ts"

/** The bootstrap's generator: mulberry32 with the seed mixed by the golden ratio (kept: it fixes every published interval). */
export const rng = (seed: number): (() => number) => mulberry32(seed ^ 0x9e3779b9)

/** A headline mean: macro (over eval sets) and item-weighted. */
export interface Means { readonly macro: number; readonly weighted: number }

export type Verdict = "beats" | "matches" | "falls short" | "inconclusive"

/**
 * From the 95% interval [lo, hi] of the relative difference: matches when it lies inside
 * [-margin, +margin] (practically equal, whatever the sign); beats when it lies above 0; falls
 * short when below 0; otherwise inconclusive (the data cannot tell).
 */
export const verdictOf = (lo: number, hi: number, margin: number): Verdict =>
  lo >= -margin && hi <= margin ? "matches" : lo > 0 ? "beats" : hi < 0 ? "falls short" : "inconclusive"

export interface Estimate {
  /** mean sample MQ of the subject and the control */
  readonly subject: number
  readonly control: number
  readonly diff: number
  /** diff / control (0 when the control's mean is 0) */
  readonly rel_diff: number
  /** 95% percentile interval of rel_diff and of diff */
  readonly rel_lo: number
  readonly rel_hi: number
  readonly diff_lo: number
  readonly diff_hi: number
  readonly items: number
  readonly verdict: Verdict
}

export interface PairedSet {
  readonly name: string
  /** per item, aligned: the subject's and the control's sample MQ */
  readonly subject: ArrayLike<number>
  readonly control: ArrayLike<number>
}

export interface BootstrapResult {
  readonly per_eval: Record<string, Estimate>
  /** mean over eval sets of each set's mean */
  readonly macro: Estimate | null
  /** mean over all items */
  readonly weighted: Estimate | null
}

const percentile = (sorted: Float64Array, p: number): number => {
  const pos = (sorted.length - 1) * p
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

const rel = (s: number, c: number): number => (c !== 0 ? (s - c) / c : 0)

const estimate = (s: number, c: number, items: number, rels: Float64Array, diffs: Float64Array, margin: number): Estimate => {
  rels.sort()
  diffs.sort()
  const relLo = percentile(rels, 0.025)
  const relHi = percentile(rels, 0.975)
  return {
    subject: s, control: c, diff: s - c, rel_diff: rel(s, c),
    rel_lo: relLo, rel_hi: relHi, diff_lo: percentile(diffs, 0.025), diff_hi: percentile(diffs, 0.975),
    items, verdict: verdictOf(relLo, relHi, margin)
  }
}

const mean = (xs: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]!
  return xs.length > 0 ? s / xs.length : 0
}

/** Paired stratified bootstrap of subject - control; `resamples` >= 1. Sets with no items are skipped. */
export const pairedBootstrap = (sets: ReadonlyArray<PairedSet>, resamples: number, seed: number, margin: number): BootstrapResult => {
  for (const x of sets) {
    if (x.subject.length > 0 && x.subject.length !== x.control.length) throw new Error(`bootstrap: ${x.name} is not paired (${x.subject.length} vs ${x.control.length} items)`)
  }
  return pairedBootstraps(sets.map((x) => ({ name: x.name, series: { subject: x.subject, control: x.control } })), [["subject", "control"]], resamples, seed, margin)[0]!
}

/** Eval sets with several aligned series of per-item values (tune sets), for pairedBootstraps. */
export interface SeriesSet {
  readonly name: string
  readonly series: Readonly<Record<string, ArrayLike<number>>>
}

/**
 * Several paired comparisons `[subject, control]` over the same eval sets, each exactly what
 * pairedBootstrap gives for that pair (the same seed draws the same items), but with the items
 * drawn once and each series summed once. Sets whose first series has no items are skipped.
 */
export const pairedBootstraps = (
  sets: ReadonlyArray<SeriesSet>,
  comparisons: ReadonlyArray<readonly [string, string]>,
  resamples: number,
  seed: number,
  margin: number
): Array<BootstrapResult> => {
  const names = [...new Set(comparisons.flat())]
  const first = names[0]
  const live = sets.filter((x) => first !== undefined && (x.series[first]?.length ?? 0) > 0).slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const x of live) {
    const n = x.series[first!]!.length
    for (const s of names) {
      const v = x.series[s]
      if (v === undefined) throw new Error(`bootstrap: ${x.name} has no series ${s}`)
      if (v.length !== n) throw new Error(`bootstrap: ${x.name} is not paired (${s} has ${v.length} items, ${first} ${n})`)
    }
  }
  const next = rng(seed)
  const k = live.length
  // per series, per set: the resampled sums
  const sums = new Map(names.map((s) => [s, live.map(() => new Float64Array(resamples))] as const))
  const columns = names.map((s) => ({ out: sums.get(s)!, values: live.map((x) => x.series[s]!) }))
  for (let b = 0; b < resamples; b++) {
    for (let j = 0; j < k; j++) {
      const n = live[j]!.series[first!]!.length
      const acc = new Float64Array(columns.length)
      for (let i = 0; i < n; i++) {
        const idx = Math.floor(next() * n)
        for (let c = 0; c < columns.length; c++) acc[c]! += columns[c]!.values[j]![idx]!
      }
      for (let c = 0; c < columns.length; c++) columns[c]!.out[j]![b] = acc[c]!
    }
  }
  return comparisons.map(([subject, control]) => {
    const perS = sums.get(subject)!
    const perC = sums.get(control)!
    const per_eval: Record<string, Estimate> = {}
    live.forEach((x, j) => {
      const n = x.series[subject]!.length
      const rels = new Float64Array(resamples)
      const diffs = new Float64Array(resamples)
      for (let b = 0; b < resamples; b++) {
        rels[b] = rel(perS[j]![b]! / n, perC[j]![b]! / n)
        diffs[b] = (perS[j]![b]! - perC[j]![b]!) / n
      }
      per_eval[x.name] = estimate(mean(x.series[subject]!), mean(x.series[control]!), n, rels, diffs, margin)
    })
    if (k === 0) return { per_eval, macro: null, weighted: null }
    const total = live.reduce((a, x) => a + x.series[subject]!.length, 0)
    const mRels = new Float64Array(resamples)
    const mDiffs = new Float64Array(resamples)
    const wRels = new Float64Array(resamples)
    const wDiffs = new Float64Array(resamples)
    for (let b = 0; b < resamples; b++) {
      let ms = 0
      let mc = 0
      let ws = 0
      let wc = 0
      live.forEach((x, j) => {
        const n = x.series[subject]!.length
        ms += perS[j]![b]! / n
        mc += perC[j]![b]! / n
        ws += perS[j]![b]!
        wc += perC[j]![b]!
      })
      mRels[b] = rel(ms / k, mc / k)
      mDiffs[b] = (ms - mc) / k
      wRels[b] = rel(ws / total, wc / total)
      wDiffs[b] = (ws - wc) / total
    }
    const macroS = live.reduce((a, x) => a + mean(x.series[subject]!), 0) / k
    const macroC = live.reduce((a, x) => a + mean(x.series[control]!), 0) / k
    let sumS = 0
    let sumC = 0
    for (const x of live) {
      const sv = x.series[subject]!
      const cv = x.series[control]!
      for (let i = 0; i < sv.length; i++) {
        sumS += sv[i]!
        sumC += cv[i]!
      }
    }
    return {
      per_eval,
      macro: estimate(macroS, macroC, total, mRels, mDiffs, margin),
      weighted: estimate(sumS / total, sumC / total, total, wRels, wDiffs, margin)
    }
  })
}

/** Mean, sample standard deviation, min and max of a few numbers (the random seeds' spread). */
export const spread = (xs: ReadonlyArray<number>): { mean: number; sd: number; min: number; max: number; n: number } => {
  const n = xs.length
  const m = n > 0 ? xs.reduce((a, b) => a + b, 0) / n : 0
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1)) : 0
  return { mean: m, sd, min: n > 0 ? Math.min(...xs) : 0, max: n > 0 ? Math.max(...xs) : 0, n }
}
