/**
 * What report.md and report.html both say, derived once from the report: the summary
 * paragraph, the proof table's rows, DQ in rank order, REVO-LION's composition.
 * The two renderers only differ in markup.
 */
import type { Report } from "./types.ts"
import { evalSets, tuneSets } from "./types.ts"
import { f3, int, setLabel } from "./render-format.ts"
import { outcome } from "./render-verdict.ts"

const METRIC_NAMES: Record<string, string> = {
  bleu1: "BLEU-1",
  bleu2: "BLEU-2",
  bleu3: "BLEU-3",
  bleu4: "BLEU-4",
  meteor: "METEOR",
  rouge_l: "ROUGE-L",
  cider: "CIDEr-D",
  vqa_accuracy: "VQA accuracy",
  exact_match: "Exact match",
  yes_no: "Yes/no accuracy",
  yes_no_precision: "Yes/no precision",
  yes_no_recall: "Yes/no recall",
  yes_no_f1: "Yes/no F1",
  yes_no_yes_ratio: "Yes ratio",
  choice: "Choice accuracy"
}

/** Display name of a metric key. */
export const metricName = (m: string): string => METRIC_NAMES[m] ?? m

/** "A, B and C" */
export const joinAnd = (xs: ReadonlyArray<string>): string =>
  xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`

/** DQ in rank order, best first; ties by dataset id. */
export const dqRanked = (r: Report): ReadonlyArray<{ readonly dataset: string; readonly dq: number }> =>
  r.datasets
    .flatMap((d) => (r.dq[d] === undefined ? [] : [{ dataset: d, dq: r.dq[d] }]))
    .sort((a, b) => b.dq - a.dq || (a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0))

/** Sentences before the verdicts: what was run, and what MQ means here. */
export const setupSentence = (r: Report): string =>
  `A model was tuned on each of ${r.datasets.length} datasets, on the union of their train splits, on REVO-LION ` +
  `(the top ${Math.round(r.revolion.budget * 100)}% of each train split by sample quality) and on ` +
  (r.proof?.seeds ? `${r.proof.seeds.sets.length} random subsets stratified to REVO-LION's per-dataset sizes` : `a random subset of REVO-LION's size`) +
  `; every model answered every dataset's eval split and the REVO-LION eval set. ` +
  `MQ is the mean of ${joinAnd(r.mq_metrics.map(metricName))}.`

export const dqSentence = (r: Report): string => {
  const ranked = dqRanked(r)
  const first = ranked[0]
  const last = ranked[ranked.length - 1]
  if (first === undefined || last === undefined) return ""
  if (ranked.length === 1) return `DQ of ${first.dataset} is ${f3(first.dq)}.`
  return `By dataset quality, models tuned on ${first.dataset} carry over best (DQ ${f3(first.dq)}) and those tuned on ` +
    `${last.dataset} worst (DQ ${f3(last.dq)}).`
}

/** The summary paragraph: setup, both verdicts, the DQ extremes. */
export const summaryParagraph = (r: Report): string =>
  [setupSentence(r), r.comparison.union.verdict, r.comparison.random.verdict, dqSentence(r)].filter((s) => s !== "").join(" ")

export interface ProofRow {
  readonly eval: string
  readonly label: string
  readonly revolion?: number
  readonly union?: number
  readonly random?: number
  readonly dUnion?: number
  readonly dRandom?: number
}

/** One row per eval set: REVO-LION, union and random MQ with the differences. */
export const proofRows = (r: Report): ReadonlyArray<ProofRow> =>
  evalSets(r).map((e) => {
    const get = (t: string): number | undefined => r.cross[t]?.[e]?.mq
    const u = r.comparison.union.per_eval[e]
    const x = r.comparison.random.per_eval[e]
    const out: { -readonly [K in keyof ProofRow]: ProofRow[K] } = { eval: e, label: setLabel(e) }
    const rv = get("revo-lion")
    const uv = get("union")
    const xv = get("random")
    if (rv !== undefined) out.revolion = rv
    if (uv !== undefined) out.union = uv
    if (xv !== undefined) out.random = xv
    if (u !== undefined) out.dUnion = u.diff
    if (x !== undefined) out.dRandom = x.diff
    return out
  })

export type Badge = "win" | "tie" | "lose" | "inconclusive" | "none"

/** Outcome word for a comparison, shown as a badge. */
export const badge = (r: Report, which: "union" | "random"): Badge => outcome(r.comparison[which])

export const badgeText = (b: Badge): string =>
  b === "win" ? "REVO-LION wins" : b === "tie" ? "tie" : b === "lose" ? "REVO-LION loses" : b === "inconclusive" ? "inconclusive" : "no data"

export interface CompositionRow {
  readonly dataset: string
  readonly train: number
  readonly trainSplit?: number
  readonly eval: number
  readonly evalSplit?: number
}

export const compositionRows = (r: Report): ReadonlyArray<CompositionRow> =>
  r.datasets.flatMap((d) => {
    const p = r.revolion.per_dataset[d]
    if (p === undefined) return []
    return [{
      dataset: d,
      train: p.train,
      eval: p.eval,
      ...(p.train_split !== undefined ? { trainSplit: p.train_split } : {}),
      ...(p.eval_split !== undefined ? { evalSplit: p.eval_split } : {})
    }]
  })

/** Every metric shown per cell: MQ's own metrics first, then any other metric the cells carry, sorted. */
export const cellMetrics = (r: Report): ReadonlyArray<string> => {
  const extra = new Set<string>()
  for (const t of tuneSets(r)) {
    for (const cell of Object.values(r.cross[t] ?? {})) {
      for (const k of Object.keys(cell)) if (k !== "mq" && k !== "items" && !r.mq_metrics.includes(k)) extra.add(k)
    }
  }
  return [...r.mq_metrics, ...[...extra].sort()]
}

/** Eval items per eval set (the count of the first tune set that has the cell). */
export const itemsPerEval = (r: Report): Readonly<Record<string, number>> => {
  const out: Record<string, number> = {}
  for (const e of evalSets(r)) {
    for (const t of tuneSets(r)) {
      const c = r.cross[t]?.[e]
      if (c !== undefined) {
        out[e] = c.items
        break
      }
    }
  }
  return out
}

export const totalBadRows = (r: Report): number =>
  Object.values(r.bad_rows).reduce((a, b) => a + b.count, 0)

/** "file:line" or "file[index]" for a bad row. */
export const badRowWhere = (b: { readonly file: string; readonly line?: number; readonly index?: number }): string =>
  b.line !== undefined ? `${b.file}:${b.line}` : b.index !== undefined ? `${b.file}[${b.index}]` : b.file

export const sizeText = (n: number, of?: number): string =>
  of !== undefined && of > 0 ? `${int(n)} of ${int(of)}` : int(n)

/** Keys of `obj` in the spec's dataset order, then any others sorted: the order every table uses. */
export const orderedKeys = (obj: Readonly<Record<string, unknown>>, preferred: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set(preferred)
  return [...preferred.filter((k) => Object.hasOwn(obj, k)), ...Object.keys(obj).filter((k) => !seen.has(k)).sort()]
}

/** The SQ formula as the configured normalisation computes it. */
export const sqFormula = (normalize: string | undefined): string =>
  normalize === "ratio" ? "SQ(x) = mean over models T tuned on other datasets of MQ_T(x) / (T\u2019s mean sample-level MQ on D)"
  : normalize === "zscore" ? "SQ(x) = mean over models T tuned on other datasets of the z-score of MQ_T(x) among D\u2019s samples"
  : normalize === "rank" ? "SQ(x) = mean over models T tuned on other datasets of the mid-rank percentile of MQ_T(x) among D\u2019s samples (ties averaged)"
  : "SQ(x) = mean over models T tuned on other datasets of MQ_T(x) / (T\u2019s mean sample-level MQ on D)"

/** "MQ = mean of …" for the header: the one list, or a pointer to the per-eval-set table. */
export const mqSummary = (r: Report): string =>
  evalMetricsDiffer(r) ? "MQ = mean of each eval set's own metrics (see Metrics per eval set)" : `MQ = mean of ${r.mq_metrics.map(metricName).join(", ")}`

/** Whether eval sets are judged by different metrics (datasets.<id>.metrics / mq). */
export const evalMetricsDiffer = (r: Report): boolean => {
  const sets = Object.values(r.eval_metrics ?? {})
  const key = (m: { metrics: ReadonlyArray<string>; mq: ReadonlyArray<string> }) => `${[...m.metrics].sort()}|${[...m.mq].sort()}`
  return sets.some((m) => key(m) !== key(sets[0]!))
}

/** Rows of the "Metrics per eval set" table: eval set, computed metrics, MQ's metrics. */
export const evalMetricsRows = (r: Report): ReadonlyArray<readonly [string, string, string]> =>
  evalSets(r).flatMap((e) => {
    const m = r.eval_metrics?.[e]
    if (m === undefined) return []
    const names = (xs: ReadonlyArray<string>) => xs.map(metricName).join(", ")
    return [[setLabel(e), names(m.metrics) + (m.per_dataset === true ? " (each dataset's items by its own)" : ""), names(m.mq)] as const]
  })
