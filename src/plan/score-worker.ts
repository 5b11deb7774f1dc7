/**
 * A score worker thread (score-pool.ts starts it): takes score jobs one at a time, each the
 * bytes of a model's predictions and of an eval set's samples, and answers with the task's
 * output (score-set.ts) or the error that stopped it. Nothing is kept between jobs: the
 * runner orders score tasks model by model, so a worker would see every eval set before the
 * same one again (a cache of parsed sets missed 380 times of 387 on the quickstart).
 */
import { parentPort } from "node:worker_threads"
import type { Sample } from "../data/sample.ts"
import { evalItemsOf, scoreEvalSet, type ScoreMetrics } from "./score-set.ts"

export interface ScoreJob {
  readonly job: number
  readonly label: string
  readonly metrics: ScoreMetrics
  readonly predictions: Uint8Array
  /** The eval set's samples. */
  readonly items: Uint8Array
}

export type ScoreReply =
  | { readonly job: number; readonly kind: "progress"; readonly done: number; readonly total: number }
  /** The output's UTF-8 bytes, encoded here so that the runner's thread does not. */
  | { readonly job: number; readonly kind: "done"; readonly bytes: Uint8Array }
  | { readonly job: number; readonly kind: "failed"; readonly message: string; readonly stack: string }

/** The bytes of a job's input as text. */
const text = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")

const port = parentPort
if (port === null) throw new Error("score-worker.ts runs as a worker thread (score-pool.ts)")
port.on("message", (m: ScoreJob) => {
  try {
    const preds = JSON.parse(text(m.predictions)) as Readonly<Record<string, string>>
    const items = evalItemsOf(JSON.parse(text(m.items)) as ReadonlyArray<Sample>)
    const scores = scoreEvalSet(m.label, m.metrics, preds, items, (done, total) => {
      port.postMessage({ job: m.job, kind: "progress", done, total } satisfies ScoreReply)
    })
    // A fresh buffer of its own, so it can be handed over rather than copied.
    const bytes = new TextEncoder().encode(scores)
    port.postMessage({ job: m.job, kind: "done", bytes } satisfies ScoreReply, [bytes.buffer])
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e))
    port.postMessage({ job: m.job, kind: "failed", message: err.message, stack: err.stack ?? err.message } satisfies ScoreReply)
  }
})
