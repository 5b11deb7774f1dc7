// `revo score`: JSON Lines {"id","candidate","references"} in, {"corpus","items"} JSON out.
// Runnable on its own (`node src/cli/score.ts --input F [--metrics a,b] [--output F]
// [--wordnet 3.0|3.1]`) so its whole-process time can be measured; the import graph is kept
// to effect/Effect, the error Schemas and the plain scorer.

import * as Effect from "effect/Effect"
import { ScoreInputError, ScoreIoError } from "../metrics/effect.ts"
import { ALL_METRICS, DEFAULT_METRICS, type MetricName, type ScoreResult } from "../metrics/index.ts"
import { JsonlLineError, scoreFile } from "../metrics/jsonl.ts"

export interface RunScoreOptions {
  readonly input: string // path, or "-" for standard input
  readonly metrics: ReadonlyArray<MetricName>
  readonly output?: string // standard output when absent
  readonly wordnet?: "3.0" | "3.1"
}

export const runScore = (o: RunScoreOptions): Effect.Effect<ScoreResult, ScoreInputError | ScoreIoError> =>
  Effect.tryPromise({
    try: () => scoreFile(o),
    catch: (e) =>
      e instanceof JsonlLineError
        ? new ScoreInputError({ file: e.file, line: e.line, reason: e.reason })
        : new ScoreIoError({ path: o.output ?? o.input, reason: (e as Error)?.message ?? String(e) }),
  })

/** Minimal argv parsing for direct runs; the real CLI goes through effect/cli. */
export function parseScoreArgs(argv: ReadonlyArray<string>): RunScoreOptions | string {
  let input: string | undefined
  let output: string | undefined
  let wordnet: "3.0" | "3.1" | undefined
  let metrics: ReadonlyArray<MetricName> = DEFAULT_METRICS
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const eq = a.indexOf("=")
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined]
    const value = (): string | undefined => inline ?? argv[++i]
    if (flag === "--input") input = value()
    else if (flag === "--output") output = value()
    else if (flag === "--wordnet") {
      const v = value()
      if (v !== "3.0" && v !== "3.1") return `--wordnet must be 3.0 or 3.1, got ${v}`
      wordnet = v
    } else if (flag === "--metrics") {
      const names = (value() ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "")
      const bad = names.filter((n) => !(ALL_METRICS as ReadonlyArray<string>).includes(n))
      if (bad.length > 0 || names.length === 0) return `--metrics: unknown ${bad.join(",") || "(empty)"}; choose from ${ALL_METRICS.join(",")}`
      metrics = names as Array<MetricName>
    } else return `unknown argument ${a}`
  }
  if (input === undefined) return "--input is required (a path, or - for standard input)"
  return { input, metrics, ...(output !== undefined ? { output } : {}), ...(wordnet !== undefined ? { wordnet } : {}) }
}

if (import.meta.main) {
  const args = parseScoreArgs(process.argv.slice(2))
  if (typeof args === "string") {
    process.stderr.write(`revo score: ${args}\n`)
    process.exitCode = 2
  } else {
    void Effect.runPromise(
      runScore(args).pipe(
        Effect.match({
          onFailure: (e) => {
            process.stderr.write(`revo score: ${e.message}\n`)
            process.exitCode = 1
          },
          onSuccess: () => undefined,
        }),
      ),
    )
  }
}
