// `revo score`: JSON Lines {"id","candidate","references"} in, {"corpus","items"} JSON out.
// Runnable on its own (`node src/cli/score.ts --input F [--metrics a,b] [--output F]
// [--wordnet 3.0|3.1]`) so its whole-process time can be measured.
//
// Start-up is most of a short run, so a direct run (1) turns on Node's compile cache before
// loading anything else (the modules below are imported dynamically for that reason; the
// cache lives in revoCacheDir()/node-compile-cache), and (2) never loads Effect or the error
// Schemas (~0.25 s): it prints the same messages from the plain errors. Imported as a module
// (the revo CLI), this file loads the Effect side and runScore returns typed errors.

import { enableCompileCache } from "node:module"
import { join } from "node:path"
import type * as Effect from "effect/Effect"
import { revoCacheDir } from "../metrics/cache-dir.ts"
import type { ScoreInputError, ScoreIoError } from "../metrics/effect.ts"
import type { MetricName, ScoreResult } from "../metrics/index.ts"

// REVO_SCORE_PHASES=1 (benchmarks): milliseconds since process start at each phase, on stderr.
const direct = import.meta.main || process.env["REVO_SCORE_DIRECT"] === "1"
const phases: Array<string> | undefined = direct && process.env["REVO_SCORE_PHASES"] ? [] : undefined
const mark = (phase: string): void => void phases?.push(`${phase} ${performance.now().toFixed(1)}`)
mark("entry")

if (direct) {
  try {
    enableCompileCache(join(revoCacheDir(), "node-compile-cache"))
  } catch {
    // No cache only costs speed.
  }
}

const { ALL_METRICS, DEFAULT_METRICS } = await import("../metrics/index.ts")
const { scoreFile, scoreFailure } = await import("../metrics/jsonl.ts")
const effectSide = direct ? undefined : await import("../metrics/effect.ts")
mark("imports")

export interface RunScoreOptions {
  readonly input: string // path, or "-" for standard input
  readonly metrics: ReadonlyArray<MetricName>
  readonly output?: string // standard output when absent
  readonly wordnet?: "3.0" | "3.1"
  readonly allowDuplicateIds?: boolean
}

export const runScore = (o: RunScoreOptions): Effect.Effect<ScoreResult, ScoreInputError | ScoreIoError> => {
  if (effectSide === undefined) throw new Error("runScore is not available in a direct run of src/cli/score.ts")
  return effectSide.scoreFileEffect(o)
}

/** Minimal argv parsing for direct runs; the real CLI goes through effect/cli. */
export function parseScoreArgs(argv: ReadonlyArray<string>): RunScoreOptions | string {
  let input: string | undefined
  let output: string | undefined
  let wordnet: "3.0" | "3.1" | undefined
  let allowDuplicateIds = false
  let metrics: ReadonlyArray<MetricName> = DEFAULT_METRICS
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const eq = a.indexOf("=")
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined]
    const value = (): string | undefined => inline ?? argv[++i]
    if (flag === "--input") input = value()
    else if (flag === "--allow-duplicate-ids") allowDuplicateIds = true
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
  return {
    input, metrics, ...(output !== undefined ? { output } : {}), ...(wordnet !== undefined ? { wordnet } : {}),
    ...(allowDuplicateIds ? { allowDuplicateIds } : {})
  }
}

/**
 * A direct run: parse argv, score, report phases; exit 2 on bad arguments or input (a malformed
 * line names its file and line). `revo score` (bin/revo.js) takes this path too, skipping the
 * Effect CLI's start-up, which would otherwise be a third of a short run.
 */
export const scoreDirect = (argv: ReadonlyArray<string>): Promise<void> => {
  const args = parseScoreArgs(argv)
  if (typeof args === "string") {
    process.stderr.write(`revo score: ${args}\n`)
    process.exitCode = 2
    return Promise.resolve()
  }
  return scoreFile(phases === undefined ? args : { ...args, onPhase: mark }).then(
    () => {
      if (phases !== undefined) process.stderr.write(`REVO_SCORE_PHASES ${phases.join(", ")}\n`)
    },
    (e: unknown) => {
      process.stderr.write(`revo score: ${scoreFailure(e, args).message}\n`)
      process.exitCode = 2
    },
  )
}

if (import.meta.main) void scoreDirect(process.argv.slice(2))
