/**
 * Meta quality (DESIGN.md section 1): the mean of the configured caption metrics.
 * Corpus-level for a (tune set, eval set) pair; per item for sample-level MQ.
 */
export type MetricRecord = Readonly<Record<string, number | undefined>>

/** Mean of the MQ metrics in `values`; throws if one is missing (a bug, not a data problem). */
export const mqOf = (values: MetricRecord, mqMetrics: ReadonlyArray<string>): number => {
  let sum = 0
  for (const m of mqMetrics) {
    const v = values[m]
    if (v === undefined) throw new Error(`MQ metric ${m} was not computed`)
    sum += v
  }
  return sum / mqMetrics.length
}
