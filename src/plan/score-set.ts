/**
 * What a score task computes, as a pure function of its two inputs' bytes: one model's answers
 * to one eval set, scored with the set's metrics, written as canonical JSON. No store, no
 * Effect: the score step runs it on a worker thread (score-pool.ts) and the bytes are the same
 * wherever it runs.
 *
 * An eval set of one dataset is scored with that dataset's metrics. The REVO-LION eval set
 * mixes datasets: when they are all judged alike it is scored as one corpus, as a single
 * dataset is; when their metrics or MQ sets differ, each dataset's items are scored with its
 * own metrics as a corpus of their own (`by_dataset`), and MQ averages the datasets' MQs
 * weighted by their items (steps-quality.ts).
 */
import { itemId, type Sample } from "../data/sample.ts"
import { type MetricName, type ScoreResult, Scorer } from "../metrics/index.ts"
import { canonicalJson } from "../util/canonical-json.ts"

/** What a score task writes: the corpus and items, and, for a mixed eval set scored per
 * dataset, each dataset's metrics, corpus values and item count. */
export interface ScoreOutput extends ScoreResult {
  readonly by_dataset?: Readonly<Record<string, { readonly metrics: ReadonlyArray<MetricName>; readonly corpus: ScoreResult["corpus"]; readonly items: number }>>
}

/** The metrics of an eval set's items: one list, or per dataset (each scored apart). */
export type ScoreMetrics = ReadonlyArray<MetricName> | Readonly<Record<string, ReadonlyArray<MetricName>>>

/** One eval item as scoring sees it: every (sample, turn), its id as itemsOf gives it. */
export interface EvalItem {
  readonly dataset: string
  readonly id: string
  readonly references: ReadonlyArray<string>
}

/** The eval items of an eval set's samples, in order. */
export const evalItemsOf = (samples: ReadonlyArray<Sample>): Array<EvalItem> => {
  const out: Array<EvalItem> = []
  for (const s of samples) s.turns.forEach((t, i) => out.push({ dataset: s.dataset, id: itemId(s.id, i), references: t.references }))
  return out
}

const CHUNK = 2000

/**
 * The score task's output text. `label` names the task in errors; `progress` is told after
 * every chunk of items.
 */
export const scoreEvalSet = (
  label: string,
  metrics: ScoreMetrics,
  predictions: Readonly<Record<string, string>>,
  evalItems: ReadonlyArray<EvalItem>,
  progress: (done: number, total: number) => void = () => {}
): string => {
  const perDataset = Array.isArray(metrics) ? undefined : (metrics as Readonly<Record<string, ReadonlyArray<MetricName>>>)
  const single = perDataset === undefined ? (metrics as ReadonlyArray<MetricName>) : undefined
  // One Scorer for the whole set, or one per dataset when their metrics differ.
  const scorers = new Map<string, Scorer>()
  const scorerOf = (dataset: string): Scorer => {
    const key = single !== undefined ? "" : dataset
    let s = scorers.get(key)
    if (s === undefined) {
      const ms = single ?? perDataset![dataset]
      if (ms === undefined) throw new Error(`${label}: no metrics for dataset ${dataset}`)
      s = new Scorer(ms)
      scorers.set(key, s)
    }
    return s
  }
  for (let i = 0; i < evalItems.length; i += CHUNK) {
    const end = Math.min(evalItems.length, i + CHUNK)
    for (let j = i; j < end; j++) {
      const it = evalItems[j]!
      scorerOf(it.dataset).add({ id: it.id, candidate: predictions[it.id] ?? "", references: it.references })
    }
    progress(end, evalItems.length)
  }
  if (single !== undefined) return canonicalJson(scorers.get("")?.finish() ?? new Scorer(single).finish())
  // Per dataset: items back in input order, each dataset's corpus apart.
  const results = new Map([...scorers].map(([d, s]) => [d, s.finish()]))
  const next = new Map([...results.keys()].map((d) => [d, 0]))
  const items = evalItems.map((it) => {
    const k = next.get(it.dataset)!
    next.set(it.dataset, k + 1)
    return results.get(it.dataset)!.items[k]!
  })
  const byDataset = Object.fromEntries([...results].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([d, r]) => [d, { metrics: scorers.get(d)!.metrics, corpus: r.corpus, items: r.items.length }]))
  const out: ScoreOutput = { corpus: {}, items, by_dataset: byDataset }
  return canonicalJson(out)
}
