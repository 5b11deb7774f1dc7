/**
 * `revo run` when a proof says there is nothing to do (src/runtime/rerun-proof.ts): checked by
 * bin/revo.js before the CLI framework, the spec parser, the data check and the task graph load.
 * With the store's lock held it checks every file the proof names; when all are unchanged it
 * writes the journal a full no-op run writes (run.json, one `cached` line per task,
 * summary.json) and prints the same warnings and summary line. Anything it does not handle
 * (other flags, --force, --help, no proof, a changed file, a busy store) returns false and the
 * full path runs, which decides (and reports) everything itself.
 *
 * Not done here, unlike the full path: sweeping temp files that interrupted writes left. They
 * are never read (only swept), and a run that was interrupted removed the proof when it started,
 * so the run after it takes the full path and sweeps.
 */
import { join, resolve } from "node:path"
import { EventLog, newRunId, writeRunInfo } from "../runtime/events.ts"
import { thisHost } from "../runtime/host.ts"
import { tryLock, unlock } from "../runtime/lock-file.ts"
import { checkFiles, proofKey, proofPath, readProof, type RerunProof, restatProof } from "../runtime/rerun-proof.ts"
import { resultsWritten, storeDirFrom, summaryLine, writeRunSummary } from "./run-common.ts"

interface RunArgs {
  readonly spec: string
  readonly set: ReadonlyArray<string>
  readonly dataRoot: string | undefined
  readonly store: string | undefined
}

/**
 * `run <spec> [--set K=V]... [--data-root D] [--store S] [-j N]` in the plain forms only; any
 * other argument (or a value that looks like a flag) is the CLI framework's to parse: undefined.
 */
export const parseRunArgs = (argv: ReadonlyArray<string>): RunArgs | undefined => {
  let spec: string | undefined
  const set: Array<string> = []
  const one: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith("-")) {
      if (spec !== undefined) return undefined
      spec = a
      continue
    }
    const eq = a.indexOf("=")
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a
    const value = a.startsWith("--") && eq > 0 ? a.slice(eq + 1) : argv[++i]
    if (value === undefined || value === "" || value.startsWith("-")) return undefined
    if (flag === "--set") set.push(value)
    else if (flag === "-j" || flag === "--jobs") {
      // -j only sets how many tasks run at once: a no-op runs none (a bad value is the full path's error).
      if (!/^[1-9][0-9]*$/.test(value)) return undefined
    } else if (flag === "--data-root" || flag === "--store") {
      if (one[flag] !== undefined) return undefined
      one[flag] = value
    } else return undefined
  }
  return spec === undefined ? undefined : { spec, set, dataRoot: one["--data-root"], store: one["--store"] }
}

/** REVO_NOOP_TRACE=1: one line on stderr saying whether the fast path was taken, and why not. */
const trace = (text: string): void => {
  if (process.env["REVO_NOOP_TRACE"] === "1") process.stderr.write(`revo: no-op fast path: ${text}\n`)
}

/** Run `revo run` without the CLI when a proof shows nothing to do; false: the full path must run. */
export const runFast = (argv: ReadonlyArray<string>): boolean => {
  const started = Date.now()
  const args = parseRunArgs(argv)
  if (args === undefined) return (trace("not taken (arguments for the full CLI)"), false)
  const store = storeDirFrom(args.store)
  const key = proofKey({ cwd: process.cwd(), spec: resolve(args.spec), set: args.set, dataRoot: args.dataRoot, store })
  const path = proofPath(store, key)
  const proof = readProof(path, key)
  if (proof === undefined) return (trace("not taken (no proof from an earlier run of this command line)"), false)
  let held: ReturnType<typeof tryLock>
  try {
    held = tryLock(store, `revo run ${args.spec}`)
  } catch {
    return (trace("not taken (the store's lock could not be taken)"), false)
  }
  if (!("path" in held)) return (trace("not taken (the store is in use)"), false)
  try {
    const check = checkFiles(proof, process.env)
    if (!check.ok) return (trace(`not taken (${check.why})`), false)
    try {
      finish(proof, args, started)
    } catch (e) {
      // The journal could not be written (a full or read-only disk): the full path says so properly.
      return (trace(`not taken (${e instanceof Error ? e.message : String(e)})`), false)
    }
    // Files that had to be hashed (touched, or written just before the proof): record their
    // stats now, so the next rerun trusts them without reading them. Only speed depends on it.
    if (check.rehashed) {
      try {
        restatProof(path, proof)
      } catch {
        // the next rerun hashes them again
      }
    }
    trace("taken")
    return true
  } finally {
    unlock(held.path, held.holder)
  }
}

/** The journal and the words of a full run that found every task cached. */
const finish = (proof: RerunProof, args: RunArgs, started: number): void => {
  const runId = newRunId()
  const log = new EventLog(join(proof.resultsDir, "runs"), runId)
  writeRunInfo(log, `revo run ${args.spec}`, thisHost())
  log.writeAll(proof.tasks.map(([task, key]) => ({ event: "cached", task, key })))
  const n = proof.tasks.length
  const seconds = (Date.now() - started) / 1000
  writeRunSummary(log.dir, {
    run: runId, spec: proof.specFile, spec_sha256: proof.specHash, tasks: n,
    executed: 0, cached: n, seconds, failed: [], results: true
  })
  for (const w of proof.warnings) process.stderr.write(`warning: ${w}\n`)
  process.stderr.write(summaryLine({ tasks: n, executed: 0, cached: n, seconds }, 0, resultsWritten(proof.resultsDir, []), log.file) + "\n")
}
