/** `revo status`: what the last run did — done, cached, failed and (if it is still going) running tasks. */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Console, Effect, Option } from "effect"
import { loadSpec } from "../spec/load.ts"
import type { TaskEvent } from "../runtime/events.ts"
import { UsageError } from "./errors.ts"
import { storeDirOf } from "./run.ts"
import { dirname } from "node:path"

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

export const runStatus = (args: { readonly spec: Option.Option<string>; readonly store: Option.Option<string>; readonly json: boolean }) =>
  Effect.gen(function*() {
    const experiment = Option.isSome(args.spec) ? (yield* loadSpec(args.spec.value, { checkFiles: false })).spec.name : undefined
    const resultsRoot = dirname(storeDirOf(args.store))
    const run = latestRun(resultsRoot, experiment)
    if (!run) return yield* new UsageError({ message: `No run found in ${resultsRoot}${experiment ? ` for experiment ${experiment}` : ""}: start one with \`revo run <spec>\`` })
    const events = readFileSync(join(run.dir, "events.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as TaskEvent)
    const last = new Map<string, TaskEvent>()
    for (const e of events) last.set(e.task, e)
    const by = (name: string) => [...last.values()].filter((e) => e.event === name)
    const summaryPath = join(run.dir, "summary.json")
    const finished = existsSync(summaryPath)
    const lockPath = join(storeDirOf(args.store), "lock")
    const state = finished ? "finished" : existsSync(lockPath) ? "running" : "stopped before finishing (crash or interrupt)"
    const result = {
      experiment: run.experiment, run: run.dir, state,
      done: by("done").length, cached: by("cached").length, failed: by("failed").map((e) => ({ task: e.task, error: e.error ?? "" })),
      skipped: by("skipped").length, running: [...by("start"), ...by("retry")].map((e) => e.task).sort()
    }
    if (args.json) {
      yield* Console.log(JSON.stringify(result, null, 2))
      return
    }
    yield* Console.log(`${run.experiment}: last run ${run.dir} — ${state}`)
    yield* Console.log(`  done ${result.done}, cached ${result.cached}, failed ${result.failed.length}, skipped ${result.skipped}, ${state === "running" ? "running" : "unfinished"} ${result.running.length}`)
    for (const f of result.failed) yield* Console.log(`  failed  ${f.task}: ${f.error.split("\n")[0]}`)
    for (const r of result.running.slice(0, 20)) yield* Console.log(`  ${state === "running" ? "running" : "unfinished"} ${r}`)
  })
