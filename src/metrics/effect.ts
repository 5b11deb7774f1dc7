// Effect-facing side of the metrics: typed errors and an Effect wrapper over the plain
// scorer in ./index.ts. (Metric names and their Schema live in src/spec.)

import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { CAPTION_METRICS, Scorer, type MetricName, type ScoreItem, type ScoreOptions, type ScoreResult } from "./index.ts"
import { scoreFailure, scoreFile, type ScoreFileOptions } from "./jsonl.ts"

/** A malformed input record (JSON Lines: `file:line: reason`). */
export class ScoreInputError extends Schema.TaggedError<ScoreInputError>()("ScoreInputError", {
  file: Schema.String,
  line: Schema.Number,
  reason: Schema.String,
}) {
  override get message(): string {
    return `${this.file}:${this.line}: ${this.reason}`
  }
}

/** Reading the input, loading WordNet or writing the output failed. */
export class ScoreIoError extends Schema.TaggedError<ScoreIoError>()("ScoreIoError", {
  path: Schema.String,
  reason: Schema.String,
}) {
  override get message(): string {
    return `${this.path}: ${this.reason}`
  }
}

/** Score items (an iterable or async iterable, consumed once, in order). An item without
 * references fails with ScoreInputError (line = its 1-based position). */
export const score = Effect.fn("metrics.score")(function* (
  items: Iterable<ScoreItem> | AsyncIterable<ScoreItem>,
  metrics: ReadonlyArray<MetricName> = CAPTION_METRICS,
  options: ScoreOptions = {},
) {
  return yield* Effect.tryPromise({
    try: async (): Promise<ScoreResult> => {
      const s = new Scorer(metrics, options)
      let n = 0
      for await (const it of items) {
        n++
        if (it.references.length === 0) throw new ScoreInputError({ file: "<items>", line: n, reason: `item ${it.id} has no references` })
        s.add(it)
      }
      return s.finish()
    },
    catch: (e) => e instanceof ScoreInputError ? e : new ScoreIoError({ path: "<items>", reason: String((e as Error)?.message ?? e) }),
  })
})

/** `revo score` as an Effect: read JSON Lines, score, write JSON (see jsonl.ts scoreFile). */
export const scoreFileEffect = (o: ScoreFileOptions): Effect.Effect<ScoreResult, ScoreInputError | ScoreIoError> =>
  Effect.tryPromise({
    try: () => scoreFile(o),
    catch: (e) => {
      const f = scoreFailure(e, o)
      return f._tag === "line" ? new ScoreInputError({ file: f.file, line: f.line, reason: f.reason }) : new ScoreIoError({ path: f.path, reason: f.reason })
    },
  })
