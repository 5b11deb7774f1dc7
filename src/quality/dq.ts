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
