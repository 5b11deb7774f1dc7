/**
 * Which metrics judge which eval items. `metrics` and `quality.mq` are the experiment's
 * lists; a dataset may override them for its own items (`datasets.<id>.metrics`,
 * `datasets.<id>.mq`), so POPE is judged by yes_no and OK-VQA by vqa_accuracy while
 * conversations keep the caption metrics. MQ(T→E) always uses E's set (DESIGN.md section 1).
 */
import * as Schema from "effect/Schema"
import { ALL_METRICS, isMetricName, unknownMetricMessage, type MetricName } from "./metric-names.ts"

/** A metric name; a typo gets "did you mean" (the check aborts, so one message per name). */
export const MetricNameSchema = Schema.String.annotate({ message: "Expected a metric name" }).check(
  Schema.makeFilter((s: string) => isMetricName(s) || unknownMetricMessage(s), { toJsonSchema: () => ({ enum: [...ALL_METRICS] }) }, true)
).pipe(Schema.refine(isMetricName))

/** The metric lists of one eval dataset. */
export interface EvalMetrics {
  /** computed on its items */
  readonly metrics: ReadonlyArray<MetricName>
  /** averaged into MQ (a subset of `metrics`) */
  readonly mq: ReadonlyArray<MetricName>
}

interface MetricKeys {
  readonly metrics: ReadonlyArray<MetricName>
  readonly quality: { readonly mq?: ReadonlyArray<MetricName> | undefined }
  readonly datasets: { readonly [id: string]: { readonly metrics?: ReadonlyArray<MetricName> | undefined; readonly mq?: ReadonlyArray<MetricName> | undefined } }
}

/**
 * A dataset's lists: its own `metrics`, else the experiment's; its own `mq`, else (when it
 * sets its own metrics) all of them, else `quality.mq`, else the experiment's metrics.
 */
export const evalMetricsOf = (spec: MetricKeys, dataset: string): EvalMetrics => {
  const own = spec.datasets[dataset]
  const metrics = own?.metrics ?? spec.metrics
  const mq = own?.mq ?? (own?.metrics !== undefined ? own.metrics : spec.quality.mq ?? spec.metrics)
  // As written (MQ sums in this order, so the order is kept).
  return { metrics: [...new Set(metrics)], mq: [...new Set(mq)] }
}

/** Whether two lists name the same metrics. */
export const sameMetrics = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((m) => b.includes(m))

/** MQ's metrics: one list for every eval set, or one per eval dataset when they differ. */
export type MqSets = ReadonlyArray<string> | Readonly<Record<string, ReadonlyArray<string>>>

/** The MQ list of eval dataset `e`. */
export const mqSetOf = (sets: MqSets, e: string): ReadonlyArray<string> => {
  if (Array.isArray(sets)) return sets as ReadonlyArray<string>
  const s = (sets as Readonly<Record<string, ReadonlyArray<string>>>)[e]
  if (s === undefined) throw new Error(`no MQ metrics for eval set ${e}`)
  return s
}

/** The experiment's metric lists per eval dataset, and whether all datasets agree. */
export const evalMetricsPlan = (spec: MetricKeys): {
  readonly of: Readonly<Record<string, EvalMetrics>>
  /** one list when every dataset computes the same metrics, else per dataset */
  readonly metrics: ReadonlyArray<MetricName> | Readonly<Record<string, ReadonlyArray<MetricName>>>
  readonly mq: MqSets
} => {
  const ids = Object.keys(spec.datasets).sort()
  const of = Object.fromEntries(ids.map((d) => [d, evalMetricsOf(spec, d)]))
  const first = of[ids[0] as string] as EvalMetrics
  const sameM = ids.every((d) => sameMetrics(of[d]!.metrics, first.metrics))
  const sameMq = ids.every((d) => sameMetrics(of[d]!.mq, first.mq))
  return {
    of,
    // Mixed eval sets are scored per dataset whenever the datasets are judged differently.
    metrics: sameM && sameMq ? first.metrics : Object.fromEntries(ids.map((d) => [d, of[d]!.metrics])),
    mq: sameMq ? first.mq : Object.fromEntries(ids.map((d) => [d, of[d]!.mq])),
  }
}

/** For the report: the metrics each eval set's column used (the REVO-LION eval set: every
 * metric of its datasets, `per_dataset` when each dataset was scored with its own). */
export const evalMetricsReport = (spec: MetricKeys, revolionEval: string): Record<string, { metrics: Array<string>; mq: Array<string>; per_dataset?: true }> => {
  const plan = evalMetricsPlan(spec)
  const out: Record<string, { metrics: Array<string>; mq: Array<string>; per_dataset?: true }> = {}
  for (const [d, m] of Object.entries(plan.of)) out[d] = { metrics: [...m.metrics], mq: [...m.mq] }
  const all = Object.values(plan.of)
  out[revolionEval] = Array.isArray(plan.metrics)
    ? { metrics: [...(plan.metrics as ReadonlyArray<string>)], mq: [...mqSetOf(plan.mq, Object.keys(plan.of)[0] as string)] }
    : { metrics: [...new Set(all.flatMap((m) => m.metrics))], mq: [...new Set(all.flatMap((m) => m.mq))], per_dataset: true }
  return out
}
