/**
 * Score tasks: per-item values of the computed metrics for one model's answers to one eval set
 * (corpus values too).
 *
 * An eval set of one dataset is scored with that dataset's metrics. The REVO-LION eval set
 * mixes datasets: when they are all judged alike it is scored as one corpus, as a single
 * dataset is; when their metrics or MQ sets differ, each dataset's items are scored with its
 * own metrics as a corpus of their own (`by_dataset`), and MQ averages the datasets' MQs
 * weighted by their items (steps-quality.ts).
 */
import * as Effect from "effect/Effect"
import { itemsOf, type Sample } from "../data/sample.ts"
import type { MetricName, ScoreResult, Scorer } from "../metrics/index.ts"
import { type ScoresFile, ScoresFileSchema } from "../quality/outputs.ts"
import { type Output, output, type Step } from "../runtime/task.ts"
import type { Predictions } from "./steps-model.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { implementationVersion } from "../util/import-graph.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const SCORE_STEP_VERSION = implementationVersion(import.meta.url)

/** What a score task writes: the corpus and items, and, for a mixed eval set scored per
 * dataset, each dataset's metrics, corpus values and item count. */
export interface ScoreOutput extends ScoreResult {
  readonly by_dataset?: Readonly<Record<string, { readonly metrics: ReadonlyArray<MetricName>; readonly corpus: ScoreResult["corpus"]; readonly items: number }>>
}

/** The metrics of an eval set's items: one list, or per dataset (each scored apart). */
export type ScoreMetrics = ReadonlyArray<MetricName> | Readonly<Record<string, ReadonlyArray<MetricName>>>

const CHUNK = 2000

export interface ScoreOutputs {
  readonly scores: Output<ScoresFile>
}

/** Per-item values of the computed metrics, in item order; chunked so progress can be shown. */
export const scoreStep = (
  tuneSet: string,
  evalPart: string,
  metrics: ScoreMetrics,
  predictions: Output<Predictions>,
  items: Output<ReadonlyArray<Sample>>
): Step<ScoreOutputs> => {
  const perDataset = Array.isArray(metrics) ? undefined : (metrics as Readonly<Record<string, ReadonlyArray<MetricName>>>)
  const single = perDataset === undefined ? (metrics as ReadonlyArray<MetricName>) : undefined
  return {
    label: `score:${tuneSet}@${evalPart}`,
    out: { scores: output(`score:${tuneSet}@${evalPart}`, "scores", ScoresFileSchema) },
    kind: "score",
    version: SCORE_STEP_VERSION,
    params: single !== undefined
      ? { metrics: [...single].sort(), wordnet: "3.0" }
      : { metrics_by_dataset: Object.fromEntries(Object.keys(perDataset!).sort().map((d) => [d, [...perDataset![d]!].sort()])), wordnet: "3.0" },
    inputs: { predictions, items },
    resource: "cpu",
    run: (ctx) =>
      Effect.gen(function*() {
        // Loaded when a score task runs, not when the plan is built: a no-op run never needs it.
        const { Scorer } = yield* Effect.promise(() => import("../metrics/index.ts"))
        const preds = yield* ctx.read(predictions)
        const samples = yield* ctx.read(items)
        const evalItems = samples.flatMap((s) => itemsOf(s).map((it) => ({ dataset: s.dataset, id: it.id, references: it.references })))
        // One Scorer for the whole set, or one per dataset when their metrics differ.
        const scorers = new Map<string, Scorer>()
        const scorerOf = (dataset: string): Scorer => {
          const key = single !== undefined ? "" : dataset
          let s = scorers.get(key)
          if (s === undefined) {
            const ms = single ?? perDataset![dataset]
            if (ms === undefined) throw new Error(`score:${tuneSet}@${evalPart}: no metrics for dataset ${dataset}`)
            s = new Scorer(ms)
            scorers.set(key, s)
          }
          return s
        }
        for (let i = 0; i < evalItems.length; i += CHUNK) {
          for (const it of evalItems.slice(i, i + CHUNK)) {
            scorerOf(it.dataset).add({ id: it.id, candidate: preds[it.id] ?? "", references: it.references })
          }
          ctx.progress(Math.min(evalItems.length, i + CHUNK), evalItems.length, "scoring")
          yield* Effect.yieldNow
        }
        if (single !== undefined) return { scores: canonicalJson(scorers.get("")?.finish() ?? new Scorer(single).finish()) }
        // Per dataset: items back in input order, each dataset's corpus apart.
        const results = new Map([...scorers].map(([d, s]) => [d, s.finish()]))
        const next = new Map([...results.keys()].map((d) => [d, 0]))
        const ordered = evalItems.map((it) => {
          const k = next.get(it.dataset)!
          next.set(it.dataset, k + 1)
          return results.get(it.dataset)!.items[k]!
        })
        const byDataset = Object.fromEntries([...results].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([d, r]) => [d, { metrics: scorers.get(d)!.metrics, corpus: r.corpus, items: r.items.length }]))
        const out: ScoreOutput = { corpus: {}, items: ordered, by_dataset: byDataset }
        return { scores: canonicalJson(out) }
      })
  }
}
