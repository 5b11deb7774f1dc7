/**
 * Score tasks: per-item values of the computed metrics for one model's answers to one eval set
 * (corpus values too). What is computed is score-set.ts; it runs on a worker thread
 * (score-pool.ts), so that scoring, about half of a run's CPU, uses a core of its own; the
 * worker also parses the inputs and checks them against their formats.
 */
import * as Effect from "effect/Effect"
import type { Sample } from "../data/sample.ts"
import { type ScoresFile, ScoresFileSchema } from "../quality/outputs.ts"
import { type Output, output, type Step, TaskFailure } from "../runtime/task.ts"
import type { Predictions } from "./predictions.ts"
import type { ScoreMetrics } from "./score-set.ts"
import { implementationVersion } from "../util/import-graph.ts"

export type { ScoreMetrics, ScoreOutput } from "./score-set.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts): the pool,
 * its worker and what the worker runs. */
export const SCORE_STEP_VERSION = implementationVersion(import.meta.url)

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
  const label = `score:${tuneSet}@${evalPart}`
  return {
    label,
    out: { scores: output(label, "scores", ScoresFileSchema) },
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
        const { scorePool, ScoreInputError } = yield* Effect.promise(() => import("./score-pool.ts"))
        const input = (handle: Output<unknown>) => Effect.map(ctx.bytes(handle), ({ name, bytes }) => ({ name, task: handle.task, output: handle.output, bytes }))
        const request = { label, metrics, predictions: yield* input(predictions), items: yield* input(items) }
        const scores = yield* Effect.tryPromise({
          try: () => scorePool().score(request, (done, total) => ctx.progress(done, total, "scoring")),
          catch: (e) => e
        }).pipe(Effect.catch((e) => e instanceof ScoreInputError ? Effect.fail(new TaskFailure({ message: e.message })) : Effect.die(e)))
        return { scores }
      })
  }
}
