/**
 * Score tasks: per-item values of the computed caption metrics for one model's answers to one
 * eval set (corpus values too). Its own version covers the metrics code, so editing the quality
 * formulas does not score again.
 */
import * as Effect from "effect/Effect"
import { itemsOf, type Sample } from "../data/sample.ts"
import { type MetricName, Scorer } from "../metrics/index.ts"
import type { OutputRef, TaskSpec } from "../runtime/task.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { implementationVersion } from "../util/import-graph.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const SCORE_STEP_VERSION = implementationVersion(import.meta.url)

/** Per-item values of the computed metrics, in item order; chunked so progress can be shown. */
export const scoreStep = (tuneSet: string, evalPart: string, metrics: ReadonlyArray<MetricName>, predictions: OutputRef, items: OutputRef): TaskSpec => ({
  label: `score:${tuneSet}@${evalPart}`,
  kind: "score",
  version: SCORE_STEP_VERSION,
  params: { metrics: [...metrics].sort(), wordnet: "3.0" },
  inputs: { predictions, items },
  resource: "cpu",
  run: (ctx) =>
    Effect.gen(function*() {
      const preds = ctx.inputJson<Readonly<Record<string, string>>>("predictions")
      const evalItems = ctx.inputJson<ReadonlyArray<Sample>>("items").flatMap(itemsOf)
      const scorer = new Scorer(metrics)
      const chunk = 2000
      for (let i = 0; i < evalItems.length; i += chunk) {
        for (const it of evalItems.slice(i, i + chunk)) {
          scorer.add({ id: it.id, candidate: preds[it.id] ?? "", references: it.references })
        }
        ctx.progress(Math.min(evalItems.length, i + chunk), evalItems.length, "scoring")
        yield* Effect.yieldNow
      }
      return { scores: canonicalJson(scorer.finish()) }
    })
})

