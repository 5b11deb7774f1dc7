/**
 * Sample quality: how well the models tuned on the *other* datasets answer a sample, each
 * relative to that model's mean on the sample's dataset:
 *   SQ(x) = mean_{T != D} MQ_T(x) / mean_{x' in D} MQ_T(x').
 * The normaliser is the mean of the same sample-level MQ over the scored samples of D (DESIGN.md's
 * "that model's mean on D"), not the corpus-level MQ(T->D) of the matrix: corpus BLEU-4 is 0 for a
 * model that never matches a 4-gram while its sample-level values (smoothed) are not, so dividing
 * one by the other explodes (observed: SQ ~1e33 on POPE). Numerator and denominator are the same
 * quantity this way, so SQ = 1 means "as good as that model does on D on average".
 * Models tuned on other datasets never saw x, so every train sample can be scored without
 * leakage. A multi-turn sample's MQ_T(x) is the mean over its turns (items).
 */
export interface SqOptions {
  readonly normalize: "per_model" | "none"
}

export interface SqInput {
  /** The dataset D whose samples are scored. */
  readonly dataset: string
  /** Sample id of each item id. */
  readonly sampleOf: ReadonlyMap<string, string>
  /** Per model T (T != D): item id -> sample-level MQ of T's answer. */
  readonly perModel: ReadonlyMap<string, ReadonlyMap<string, number>>
}

export interface SqResult {
  /** sample id -> SQ */
  readonly sq: Map<string, number>
  /** sample id -> model -> MQ_T(x) (before normalisation) */
  readonly perModel: Map<string, Map<string, number>>
}


export const sqOf = (input: SqInput, options: SqOptions): SqResult => {
  const models = [...input.perModel.keys()].filter((t) => t !== input.dataset).sort()
  const perModel = new Map<string, Map<string, number>>()
  for (const t of models) {
    // mean over each sample's items
    const sums = new Map<string, { s: number; n: number }>()
    for (const [itemId, v] of input.perModel.get(t)!) {
      const sid = input.sampleOf.get(itemId)
      if (sid === undefined) throw new Error(`SQ: item ${itemId} of ${input.dataset} has no sample`)
      const acc = sums.get(sid) ?? { s: 0, n: 0 }
      acc.s += v
      acc.n++
      sums.set(sid, acc)
    }
    for (const [sid, { s, n }] of sums) {
      let m = perModel.get(sid)
      if (!m) perModel.set(sid, (m = new Map()))
      m.set(t, s / n)
    }
  }
  // Each model's mean sample-level MQ over the samples of D it answered.
  const modelMean = new Map<string, number>()
  for (const t of models) {
    let sum = 0
    let n = 0
    for (const byModel of perModel.values()) {
      const v = byModel.get(t)
      if (v !== undefined) {
        sum += v
        n++
      }
    }
    modelMean.set(t, n > 0 ? sum / n : 0)
  }
  const sq = new Map<string, number>()
  for (const [sid, byModel] of perModel) {
    let sum = 0
    let n = 0
    for (const t of models) {
      const v = byModel.get(t)
      if (v === undefined) continue
      if (options.normalize === "none") {
        sum += v
        n++
      } else {
        const d = modelMean.get(t)
        if (d !== undefined && d > 0) {
          sum += v / d
          n++
        }
      }
    }
    sq.set(sid, n > 0 ? sum / n : 0)
  }
  return { sq, perModel }
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
