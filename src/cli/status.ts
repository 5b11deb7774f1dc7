/**
 * `revo status`: what the last run did — done, cached, failed and (if it is still going) running
 * tasks. Whether it is still going comes from the store's lock (is the process that made the run
 * the live holder?), never from the lock file's mere presence, which a `kill -9` leaves behind.
 * The journal is read line by line: a run killed while appending leaves a torn last line, which
 * is reported, not fatal.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { loadSpec } from "../spec/load.ts"
import type { RunInfo, TaskEvent } from "../runtime/events.ts"
import { holderAlive, readLockHolder } from "../runtime/lock.ts"
import { UsageError } from "./errors.ts"
import { storeDirOf } from "./run.ts"

const latestRun = (resultsRoot: string, experiment: string | undefined): { experiment: string; dir: string } | undefined => {
  if (!existsSync(resultsRoot)) return undefined
  const experiments = experiment ? [experiment] : readdirSync(resultsRoot).filter((e) => !e.startsWith("."))
  let best: { experiment: string; dir: string; id: string } | undefined
  for (const e of experiments) {
    const runs = join(resultsRoot, e, "runs")
    if (!existsSync(runs)) continue
    for (const id of readdirSync(runs)) if (!best || id > best.id) best = { experiment: e, dir: join(runs, id), id }
  }
  return best
}

/** The journal's events; lines that do not parse (a torn last line after a crash) are counted, not fatal. */
export const readJournal = (file: string): { readonly events: ReadonlyArray<TaskEvent>; readonly torn: number } => {
  if (!existsSync(file)) return { events: [], torn: 0 }
  const events: Array<TaskEvent> = []
  let torn = 0
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue
    try {
      const e = JSON.parse(line) as TaskEvent
      if (typeof e === "object" && e !== null && typeof e.event === "string" && typeof e.task === "string") events.push(e)
      else torn++
    } catch {
      torn++
    }
  }
  return { events, torn }
}

const readJson = <A>(file: string): A | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as A
  } catch {
    return undefined
  }
}

type RunState = "finished" | "running" | "interrupted" | "stopped before finishing (crash or kill)"

/** Finished (summary written), running (its process holds the store's lock and is alive), or stopped. */
const stateOf = (runDir: string, storeDir: string, events: ReadonlyArray<TaskEvent>): RunState => {
  const summary = readJson<{ readonly interrupted?: boolean }>(join(runDir, "summary.json"))
  // Ctrl-C / SIGTERM write a summary too, marked interrupted.
  if (summary !== undefined) return summary.interrupted === true ? "interrupted" : "finished"
  const holder = readLockHolder(storeDir)
  const info = readJson<RunInfo>(join(runDir, "run.json"))
  const held = holder !== undefined && holderAlive(holder) &&
    (info === undefined || (holder.pid === info.pid && holder.host === info.host))
  if (held) return "running"
  return events.some((e) => e.event === "interrupted") ? "interrupted" : "stopped before finishing (crash or kill)"
}

export const runStatus = (args: { readonly spec: Option.Option<string>; readonly store: Option.Option<string>; readonly json: boolean }) =>
  Effect.gen(function*() {
    const experiment = Option.isSome(args.spec) ? (yield* loadSpec(args.spec.value, { checkFiles: false })).spec.name : undefined
    const storeDir = storeDirOf(args.store)
    const resultsRoot = dirname(storeDir)
    const run = latestRun(resultsRoot, experiment)
    if (!run) return yield* new UsageError({ message: `No run found in ${resultsRoot}${experiment ? ` for experiment ${experiment}` : ""}: start one with \`revo run <spec>\`` })
    const { events, torn } = readJournal(join(run.dir, "events.jsonl"))
    const last = new Map<string, TaskEvent>()
    for (const e of events) last.set(e.task, e)
    const by = (name: string) => [...last.values()].filter((e) => e.event === name)
    const state = stateOf(run.dir, storeDir, events)
    const info = readJson<RunInfo>(join(run.dir, "run.json"))
    const result = {
      experiment: run.experiment, run: run.dir, state, ...(info ? { command: info.command, pid: info.pid, host: info.host, started: info.started } : {}),
      done: by("done").length, cached: by("cached").length, failed: by("failed").map((e) => ({ task: e.task, error: e.error ?? "" })),
      skipped: by("skipped").length, running: [...by("start"), ...by("retry")].map((e) => e.task).sort(),
      ...(torn > 0 ? { torn_journal_lines: torn } : {})
    }
    if (args.json) {
      yield* Console.log(JSON.stringify(result, null, 2))
      return
    }
    const unfinished = state === "running" ? "running" : "unfinished"
    yield* Console.log(`${run.experiment}: last run ${run.dir} — ${state}${info ? ` (\`${info.command}\`, pid ${info.pid} on ${info.host})` : ""}`)
    yield* Console.log(`  done ${result.done}, cached ${result.cached}, failed ${result.failed.length}, skipped ${result.skipped}, ${unfinished} ${result.running.length}`)
    if (torn > 0) yield* Console.log(`  note: ${torn} journal line(s) could not be read (a run killed while writing leaves its last line torn); the tasks' own records in the store are intact`)
    for (const f of result.failed) yield* Console.log(`  failed  ${f.task}: ${f.error.split("\n")[0]}`)
    for (const r of result.running.slice(0, 20)) yield* Console.log(`  ${unfinished} ${r}`)
    if (state !== "running" && state !== "finished" && result.running.length > 0) yield* Console.log(`  (rerun the same command to finish: done tasks are not run again)`)
  })
