/**
 * Sample quality (DESIGN.md section 1): how well the models tuned on the *other* datasets answer a
 * sample, each model's scores made comparable first:
 *   SQ(x) = mean_{T != D} norm_T(MQ_T(x)),  norm_T computed among D's samples of the same part.
 * - `rank` (default): the mid-rank percentile of MQ_T(x) among the samples T scored, ties averaged:
 *   (#below + #equal / 2) / n, in (0, 1). Robust where a model's scores are mostly zero or carry
 *   floating-point remnants of BLEU smoothing (a mean of 3e-17 on POPE made the ratio explode).
 * - `ratio`: MQ_T(x) / mean_x MQ_T(x). A model whose mean on D, or whose share of items with an MQ
 *   above the mean floor, is below `min_signal` has no signal to divide by and is left out of D's SQ
 *   (listed in `excluded`, so the report can say so).
 * - `zscore`: (MQ_T(x) - mean) / sd, with the same floor (and sd > 0).
 * A multi-turn sample's MQ_T(x) is the mean over its turns (items). This module only computes;
 * which models may score which sample (same-image exclusion, degenerate models) is decided by the
 * caller, which leaves those entries out of `perModel`.
 */
export type SqNormalize = "rank" | "ratio" | "zscore"

export interface MinSignal {
  /** smallest mean sample MQ on D a model may have */
  readonly mean: number
  /** smallest share of D's items whose MQ exceeds `mean` */
  readonly nonzero: number
}

export const DEFAULT_MIN_SIGNAL: MinSignal = { mean: 1e-6, nonzero: 0.05 }

export interface SqOptions {
  readonly normalize: SqNormalize
  readonly min_signal?: MinSignal | undefined
}

export interface SqInput {
  /** The dataset D whose samples are scored. */
  readonly dataset: string
  /** Sample id of each item id. */
  readonly sampleOf: ReadonlyMap<string, string>
  /** Per model T (T != D): item id -> sample-level MQ of T's answer. */
  readonly perModel: ReadonlyMap<string, ReadonlyMap<string, number>>
}

export interface ExcludedModel {
  readonly model: string
  readonly reason: string
  /** mean sample-level MQ of the model on D */
  readonly mean: number
  /** share of items above the mean floor */
  readonly nonzero: number
}

export interface SqResult {
  /** sample id -> SQ (samples no usable model scored are absent) */
  readonly sq: Map<string, number>
  /** sample id -> model -> MQ_T(x) (before normalisation) */
  readonly perModel: Map<string, Map<string, number>>
  /** models left out of D's SQ for want of signal (ratio, zscore), sorted by name */
  readonly excluded: Array<ExcludedModel>
}

/**
 * Mid-rank percentiles of `values` (ties averaged): (#below + #equal / 2) / n. Values equal to 12
 * significant digits tie: a sample's MQ is a mean over its turns, and (0.2 + 0.4) / 2 must tie with 0.3.
 */
export const midRankPercentiles = (values: ReadonlyArray<number>): Array<number> => {
  const n = values.length
  const key = values.map((v) => Number(v.toPrecision(12)))
  const order = key.map((_, i) => i).sort((a, b) => key[a]! - key[b]!)
  const out = new Array<number>(n)
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && key[order[j + 1]!] === key[order[i]!]) j++
    const pct = (i + (j - i + 1) / 2) / n
    for (let k = i; k <= j; k++) out[order[k]!] = pct
    i = j + 1
  }
  return out
}

export const sqOf = (input: SqInput, options: SqOptions): SqResult => {
  const floor = options.min_signal ?? DEFAULT_MIN_SIGNAL
  const models = [...input.perModel.keys()].filter((t) => t !== input.dataset).sort()
  const perModel = new Map<string, Map<string, number>>()
  const excluded: Array<ExcludedModel> = []
  // normalised value per (model, sample)
  const normalised = new Map<string, Map<string, number>>()
  for (const t of models) {
    const sums = new Map<string, { s: number; n: number }>()
    let items = 0
    let above = 0
    for (const [itemId, v] of input.perModel.get(t)!) {
      const sid = input.sampleOf.get(itemId)
      if (sid === undefined) throw new Error(`SQ: item ${itemId} of ${input.dataset} has no sample`)
      const acc = sums.get(sid) ?? { s: 0, n: 0 }
      acc.s += v
      acc.n++
      sums.set(sid, acc)
      items++
      if (v > floor.mean) above++
    }
    const ids = [...sums.keys()].sort()
    const values = ids.map((sid) => sums.get(sid)!.s / sums.get(sid)!.n)
    ids.forEach((sid, i) => {
      let m = perModel.get(sid)
      if (!m) perModel.set(sid, (m = new Map()))
      m.set(t, values[i]!)
    })
    if (ids.length === 0) continue
    const mean = values.reduce((a, b) => a + b, 0) / values.length
    const nonzero = items > 0 ? above / items : 0
    let norm: Array<number>
    if (options.normalize === "rank") norm = midRankPercentiles(values)
    else {
      const reason = mean < floor.mean
        ? `mean sample MQ ${mean.toExponential(2)} < ${floor.mean}`
        : nonzero < floor.nonzero ? `${(nonzero * 100).toFixed(1)}% of items above ${floor.mean} < ${(floor.nonzero * 100).toFixed(1)}%` : undefined
      const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length)
      const why = reason ?? (options.normalize === "zscore" && !(sd > 0) ? "all samples score the same (sd 0)" : undefined)
      if (why !== undefined) {
        excluded.push({ model: t, reason: why, mean, nonzero })
        continue
      }
      norm = options.normalize === "ratio" ? values.map((v) => v / mean) : values.map((v) => (v - mean) / sd)
    }
    normalised.set(t, new Map(ids.map((sid, i) => [sid, norm[i]!])))
  }
  const sq = new Map<string, number>()
  for (const sid of [...perModel.keys()].sort()) {
    let sum = 0
    let n = 0
    for (const t of models) {
      const v = normalised.get(t)?.get(sid)
      if (v === undefined) continue
      sum += v
      n++
    }
    if (n > 0) sq.set(sid, sum / n)
  }
  return { sq, perModel, excluded }
}

/** p-th quantile (0..1) by linear interpolation between order statistics, as numpy's default. */
export const quantile = (sorted: ReadonlyArray<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * p
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export const summarize = (values: Iterable<number>): { n: number; mean: number; p10: number; p50: number; p90: number } => {
  const sorted = [...values].sort((a, b) => a - b)
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)
  return { n: sorted.length, mean, p10: quantile(sorted, 0.1), p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) }
}
