/**
 * Whether a parsed value is one of a Schema's values, and if not why, in one line: how the runner
 * checks a task's input against the format its producer declared (run-graph.ts), and how a step
 * that hands an input's bytes to another thread checks them there (src/plan/score-worker.ts).
 * Validates the value itself (no decoded copy): what a task reads is what was stored.
 */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaJITCompiler from "effect/schema/SchemaJITCompiler"

const guards = new WeakMap<Schema.Decoder<unknown>, (u: unknown) => boolean>()

/** undefined when `value` is one of `schema`'s values, else the problem ("Expected string at [0]["id"]"). */
export const formatProblem = (schema: Schema.Decoder<unknown>, value: unknown): string | undefined => {
  let is = guards.get(schema)
  if (is === undefined) {
    // Effect's JIT compiler turns the schema into one checking function: a quickstart's
    // inputs (about 200 MB of JSON) are checked in about a third of the interpreted time.
    SchemaJITCompiler.enable(schema.ast)
    is = Schema.is(schema)
    guards.set(schema, is)
  }
  if (is(value)) return undefined
  const exit = Schema.decodeUnknownExit(schema)(value)
  const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
  // One line: the progress view shows a failure's first line.
  return error?.message.replace(/\n\s*/g, " ") ?? "it does not match its format"
}

/** The failure message of a task whose input does not decode as its producer's format. */
export const inputFormatMessage = (label: string, name: string, input: { readonly task: string; readonly output: string }, problem: string): string =>
  `${label}: its input ${name} (output ${input.output} of ${input.task}) does not decode as that output's format: ${problem}`
