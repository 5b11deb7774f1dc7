/**
 * Dataset quality: how well a model tuned on T does on the other eval sets, each relative to
 * that eval set's in-domain model:  DQ(T) = mean_{E != T} MQ(T->E) / MQ(E->E).
 */
export interface DqOptions {
  readonly normalize: "in_domain" | "none"
  readonly include_self: boolean
}

/** `mq[t][e]` is MQ(t->e). Eval sets whose in-domain MQ is 0 cannot normalise and are left out. */
export const dqOf = (
  mq: Readonly<Record<string, Readonly<Record<string, number>>>>,
  datasets: ReadonlyArray<string>,
  options: DqOptions
): Record<string, number | null> => {
  const out: Record<string, number | null> = {}
  for (const t of datasets) {
    const ratios: Array<number> = []
    for (const e of datasets) {
      if (e === t && !options.include_self) continue
      const v = mq[t]?.[e]
      if (v === undefined) continue
      if (options.normalize === "none") ratios.push(v)
      else {
        const inDomain = mq[e]?.[e]
        if (inDomain !== undefined && inDomain > 0) ratios.push(v / inDomain)
      }
    }
    out[t] = ratios.length > 0 ? ratios.reduce((a, b) => a + b, 0) / ratios.length : null
  }
  return out
}

/**
 * A bootstrap interval for DQ. Corpus metrics cannot be resampled item by item, so the interval is
 * for DQ computed on mean sample-level MQ (`m[t][e]` = per-item values of t on e, aligned across
 * t by item); each resample draws every eval set's items with replacement, the same draw for
 * every tune set (paired). Returns, per tune set, that DQ's point value and 95% percentile interval.
 */
export const dqIntervals = (
  items: Readonly<Record<string, Readonly<Record<string, ArrayLike<number>>>>>,
  datasets: ReadonlyArray<string>,
  options: DqOptions,
  resamples: number,
  next: () => number
): Record<string, { readonly point: number; readonly lo: number; readonly hi: number } | null> => {
  const evals = datasets.filter((e) => datasets.some((t) => items[t]?.[e] !== undefined && items[t]![e]!.length > 0))
  const meansOf = (draw: (e: string, n: number) => ArrayLike<number> | null) => {
    const mq: Record<string, Record<string, number>> = {}
    for (const e of evals) {
      const n = Math.max(...datasets.map((t) => items[t]?.[e]?.length ?? 0))
      const idx = draw(e, n)
      for (const t of datasets) {
        const v = items[t]?.[e]
        if (v === undefined || v.length !== n) continue
        let s = 0
        if (idx === null) for (let i = 0; i < n; i++) s += v[i]!
        else for (let i = 0; i < n; i++) s += v[idx[i]!]!
        ;(mq[t] ??= {})[e] = s / n
      }
    }
    return dqOf(mq, datasets, options)
  }
  const point = meansOf(() => null)
  const draws: Record<string, Array<number>> = Object.fromEntries(datasets.map((t) => [t, []]))
  for (let b = 0; b < resamples; b++) {
    const dq = meansOf((_, n) => Uint32Array.from({ length: n }, () => Math.floor(next() * n)))
    for (const t of datasets) if (dq[t] !== null && dq[t] !== undefined) draws[t]!.push(dq[t]!)
  }
  const q = (xs: Array<number>, p: number) => {
    const pos = (xs.length - 1) * p
    const lo = Math.floor(pos)
    return xs[lo]! + (xs[Math.ceil(pos)]! - xs[lo]!) * (pos - lo)
  }
  return Object.fromEntries(datasets.map((t) => {
    const xs = draws[t]!.sort((a, b) => a - b)
    const p = point[t]
    return [t, p === null || p === undefined || xs.length === 0 ? null : { point: p, lo: q(xs, 0.025), hi: q(xs, 0.975) }]
  }))
}
