/**
 * Score tasks: per-item values of the computed metrics for one model's answers to one eval set
 * (corpus values too). What is computed is score-set.ts; it runs on a worker thread
 * (score-pool.ts), so that scoring, about half of a run's CPU, uses a core of its own.
 */
import * as Effect from "effect/Effect"
import type { OutputRef, TaskSpec } from "../runtime/task.ts"
import { implementationVersion } from "../util/import-graph.ts"
import type { ScoreMetrics } from "./score-set.ts"

export type { ScoreMetrics, ScoreOutput } from "./score-set.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts): the pool,
 * its worker and what the worker runs. */
export const SCORE_STEP_VERSION = implementationVersion(import.meta.url)

/** Per-item values of the computed metrics, in item order. */
export const scoreStep = (tuneSet: string, evalPart: string, metrics: ScoreMetrics, predictions: OutputRef, items: OutputRef): TaskSpec => {
  const label = `score:${tuneSet}@${evalPart}`
  return {
    label,
    kind: "score",
    version: SCORE_STEP_VERSION,
    params: Array.isArray(metrics)
      ? { metrics: [...metrics].sort(), wordnet: "3.0" }
      : { metrics_by_dataset: Object.fromEntries(Object.keys(metrics).sort().map((d) => [d, [...(metrics as Readonly<Record<string, ReadonlyArray<string>>>)[d]!].sort()])), wordnet: "3.0" },
    inputs: { predictions, items },
    resource: "cpu",
    run: (ctx) =>
      Effect.gen(function*() {
        // Loaded when a score task runs, not when the plan is built: a no-op run never needs it.
        const { scorePool } = yield* Effect.promise(() => import("./score-pool.ts"))
        // The bytes go to the worker as they are: parsing them is the worker's work too.
        const request = { label, metrics, predictions: ctx.input("predictions"), items: ctx.input("items") }
        const scores = yield* Effect.promise(() => scorePool().score(request, (done, total) => ctx.progress(done, total, "scoring")))
        return { scores }
      })
  }
}
