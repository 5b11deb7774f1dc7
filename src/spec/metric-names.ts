// The one list of metric names revo knows, with the default set: the spec's Schema, the
// scorer (src/metrics), `revo score` and `revo validate` all read it from here. It lives with
// the spec types (the lowest layer) and imports only the did-you-mean helper, so the CLI's
// fast start-up loads it for nothing.

import { didYouMean } from "./did-you-mean.ts"

/** Caption metrics: compared on COCO-tokenized words (BLEU, METEOR, ROUGE-L, CIDEr-D). */
export const CAPTION_METRICS = ["bleu1", "bleu2", "bleu3", "bleu4", "meteor", "rouge_l", "cider"] as const
/** Task metrics: short answers judged by a task's own evaluation rule (task.ts). */
export const TASK_METRICS = ["vqa_accuracy", "exact_match", "yes_no", "choice"] as const
export const ALL_METRICS = [...CAPTION_METRICS, ...TASK_METRICS] as const

export type CaptionMetric = (typeof CAPTION_METRICS)[number]
export type TaskMetric = (typeof TASK_METRICS)[number]
export type MetricName = (typeof ALL_METRICS)[number]

export const DEFAULT_METRICS: ReadonlyArray<MetricName> = ["bleu4", "meteor", "rouge_l"]

/** Corpus-only values reported next to a metric's own (yes_no: the POPE script's other figures). */
export const CORPUS_EXTRAS: Readonly<Partial<Record<MetricName, ReadonlyArray<string>>>> = {
  yes_no: ["yes_no_precision", "yes_no_recall", "yes_no_f1", "yes_no_yes_ratio"],
}

export const isMetricName = (s: string): s is MetricName => (ALL_METRICS as ReadonlyArray<string>).includes(s)

/** One wording for an unknown metric name everywhere (spec, `revo score`): the closest
 * known name when it is a likely typo, and the full list. */
export const unknownMetricMessage = (name: string): string => {
  const hint = didYouMean(name, ALL_METRICS)
  return `Unknown metric "${name}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ""}; known metrics: ${ALL_METRICS.join(", ")}`
}
