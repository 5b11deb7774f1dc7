/**
 * A score worker thread (score-pool.ts starts it): takes score jobs one at a time, each the
 * stored bytes of a model's predictions and of an eval set's samples, checks them against their
 * producers' formats as the runner checks what a task reads, and answers with the task's output
 * (score-set.ts) or why it failed. Nothing is kept between jobs: the runner orders score tasks
 * model by model, so a worker would see every eval set before the same one again (a cache of
 * parsed sets missed 380 times of 387 on the quickstart).
 */
import { parentPort } from "node:worker_threads"
import type * as Schema from "effect/Schema"
import { Samples } from "../data/outputs.ts"
import { formatProblem, inputFormatMessage } from "../runtime/format-check.ts"
import { PredictionsSchema } from "./predictions.ts"
import { evalItemsOf, scoreEvalSet, type ScoreMetrics } from "./score-set.ts"

/** One input of a job: its bytes, and what names it in a failure (input name, producing task and output). */
export interface JobInput {
  readonly name: string
  readonly task: string
  readonly output: string
  readonly bytes: Uint8Array
}

export interface ScoreJob {
  readonly job: number
  readonly label: string
  readonly metrics: ScoreMetrics
  readonly predictions: JobInput
  readonly items: JobInput
}

export type ScoreReply =
  | { readonly job: number; readonly kind: "progress"; readonly done: number; readonly total: number }
  /** The output's UTF-8 bytes, encoded here so that the runner's thread does not. */
  | { readonly job: number; readonly kind: "done"; readonly bytes: Uint8Array }
  /** An input that is not JSON or not of its format: the task fails, as reading it would. */
  | { readonly job: number; readonly kind: "input"; readonly message: string }
  /** Anything else that threw while scoring (a yes_no item whose reference is not yes/no). */
  | { readonly job: number; readonly kind: "failed"; readonly message: string; readonly stack: string }

class InputProblem extends Error {}

/** An input parsed and checked against its producer's format. */
const read = <A>(label: string, input: JobInput, schema: Schema.Decoder<A>): A => {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength).toString("utf8"))
  } catch (e) {
    if (e instanceof SyntaxError) throw new InputProblem(inputFormatMessage(label, input.name, input, `its stored bytes are not JSON (${e.message})`))
    throw e
  }
  const problem = formatProblem(schema, value)
  if (problem !== undefined) throw new InputProblem(inputFormatMessage(label, input.name, input, problem))
  return value as A
}

const port = parentPort
if (port === null) throw new Error("score-worker.ts runs as a worker thread (score-pool.ts)")
port.on("message", (m: ScoreJob) => {
  try {
    const preds = read(m.label, m.predictions, PredictionsSchema)
    const items = evalItemsOf(read(m.label, m.items, Samples))
    const scores = scoreEvalSet(m.label, m.metrics, preds, items, (done, total) => {
      port.postMessage({ job: m.job, kind: "progress", done, total } satisfies ScoreReply)
    })
    // A fresh buffer of its own, so it can be handed over rather than copied.
    const bytes = new TextEncoder().encode(scores)
    port.postMessage({ job: m.job, kind: "done", bytes } satisfies ScoreReply, [bytes.buffer])
  } catch (e) {
    if (e instanceof InputProblem) {
      port.postMessage({ job: m.job, kind: "input", message: e.message } satisfies ScoreReply)
      return
    }
    const err = e instanceof Error ? e : new Error(String(e))
    port.postMessage({ job: m.job, kind: "failed", message: err.message, stack: err.stack ?? err.message } satisfies ScoreReply)
  }
})
