// `revo score`: JSON Lines {"id","candidate","references"} in, {"corpus","items"} JSON out.
// Runnable on its own (`node src/cli/score.ts --input F [--metrics a,b] [--output F]
// [--wordnet 3.0|3.1]`, the flags of score-args.ts) so its whole-process time can be measured.
//
// Start-up is most of a short run, so a direct run (1) turns on Node's compile cache before
// loading anything else (the modules below are imported dynamically for that reason; the
// cache lives in revoCacheDir()/node-compile-cache), and (2) never loads Effect or the error
// Schemas (~0.25 s): it prints the same messages from the plain errors. The CLI framework's
// path (score-command.ts) runs the same scoreFile with typed Effect errors.

import { enableCompileCache } from "node:module"
import { join } from "node:path"
import { revoCacheDir } from "../util/cache-dir.ts"

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

const { parseScoreArgs } = await import("./score-args.ts")
const { scoreFile, scoreFailure } = await import("../metrics/jsonl.ts")
mark("imports")

/**
 * A direct run: parse argv (score-args.ts), score, report phases; exit 2 on bad arguments or
 * input (a malformed line names its file and line). `revo score` (bin/revo.js) takes this path
 * too, skipping the Effect CLI's start-up, which would otherwise be a third of a short run.
 * Resolves false, doing nothing, when argv holds what only the full CLI handles (--help, its
 * own options, an unknown flag): the caller runs the full CLI with the same arguments.
 */
export const scoreDirect = (argv: ReadonlyArray<string>): Promise<boolean> => {
  const args = parseScoreArgs(argv)
  if (args === "framework") return Promise.resolve(false)
  if (typeof args === "string") {
    process.stderr.write(`revo score: ${args}\n`)
    process.exitCode = 2
    return Promise.resolve(true)
  }
  return scoreFile(phases === undefined ? args : { ...args, onPhase: mark }).then(
    () => {
      if (phases !== undefined) process.stderr.write(`REVO_SCORE_PHASES ${phases.join(", ")}\n`)
      return true
    },
    (e: unknown) => {
      process.stderr.write(`revo score: ${scoreFailure(e, args).message}\n`)
      process.exitCode = 2
      return true
    },
  )
}

if (import.meta.main) {
  void scoreDirect(process.argv.slice(2)).then(async (done) => {
    if (!done) await import("./main.ts").then((m) => m.runCli(["score", ...process.argv.slice(2)]))
  })
}
