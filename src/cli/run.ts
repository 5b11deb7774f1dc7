/**
 * `revo run`: plan the spec, execute what the store does not already hold, write the results.
 * Also the shared set-up of `revo plan`, `revo report` and `revo status` (spec, store, plugin,
 * dataset keys, task graph).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { Console, Effect, Option } from "effect"
import { loadPlugin } from "../backends/registry.ts"
import { backendCheck } from "../backends/spec-check.ts"
import { datasetKey } from "../data/load.ts"
import { buildPipeline, datasetIds } from "../plan/pipeline.ts"
import { EventLog, newRunId, writeRunInfo } from "../runtime/events.ts"
import { lockStore } from "../runtime/lock.ts"
import { Progress } from "../runtime/progress.ts"
import { runGraph, type GraphResult } from "../runtime/run-graph.ts"
import { Store, thisHost, writeFileAtomic } from "../runtime/store.ts"
import type { TaskSpec } from "../runtime/task.ts"
import { hubOptions, loadSpec, type LoadedSpec } from "../spec/load.ts"
import { TasksFailed, UsageError } from "./errors.ts"

export interface SpecArgs {
  readonly spec: string
  readonly set: ReadonlyArray<string>
  readonly dataRoot: Option.Option<string>
  readonly store: Option.Option<string>
}

export interface Session {
  readonly loaded: LoadedSpec
  readonly store: Store
  /** results/<experiment>/ next to the store */
  readonly resultsDir: string
  readonly tasks: ReadonlyArray<TaskSpec>
}

export const storeDirOf = (store: Option.Option<string>): string => resolve(Option.getOrElse(store, () => join("results", ".revo")))

/** Load the spec, open the store, load the plugin, hash the datasets and build the task graph. */
export const openSession = (args: SpecArgs) =>
  Effect.gen(function*() {
    const loaded = yield* loadSpec(args.spec, {
      set: args.set,
      extraChecks: [backendCheck],
      ...(Option.isSome(args.dataRoot) ? { dataRoot: args.dataRoot.value } : {})
    })
    const storeDir = storeDirOf(args.store)
    const store = new Store(storeDir)
    const plugin = yield* loadPlugin(loaded.spec.backend.plugin, { baseDir: dirname(loaded.file), executor: loaded.spec.backend.executor.kind }).pipe(
      Effect.mapError((e) => new UsageError({ message: `${args.spec}: backend.plugin: ${e.message}` }))
    )
    const keys: Record<string, string> = {}
    for (const id of datasetIds(loaded)) {
      keys[id] = yield* datasetKey(id, loaded.spec.datasets[id]!, { dataRoot: loaded.dataRoot, hub: hubOptions(loaded) }).pipe(
        Effect.mapError((e) => new UsageError({ message: `${args.spec}: datasets.${id}: ${e.message}` }))
      )
    }
    const tasks = buildPipeline({ loaded, plugin, datasetKeys: keys, store, modelsDir: join(storeDir, "models") })
    const resultsDir = join(dirname(storeDir), loaded.spec.name)
    return { loaded, store, resultsDir, tasks } satisfies Session
  })

/** Files of the report task, copied into results/<experiment>/ (unchanged bytes are not rewritten). */
export const writeResults = (session: Session, result: GraphResult): Array<string> => {
  const report = result.outcomes.get("report")
  if (!report || (report.status !== "done" && report.status !== "cached")) return []
  const written: Array<string> = []
  for (const [name, out] of Object.entries(report.outputs)) {
    const target = join(session.resultsDir, name)
    const bytes = session.store.get(out.hash)
    if (existsSync(target) && readFileSync(target).equals(bytes)) continue
    writeFileAtomic(target, bytes)
    written.push(name)
  }
  return written
}

/** The warnings of every load task (a join that never matched, a field always empty), also when the load was cached. */
export const loadWarnings = (session: Session, result: GraphResult): Array<string> => {
  const out: Array<string> = []
  for (const [label, o] of [...result.outcomes.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!label.startsWith("load:") || (o.status !== "done" && o.status !== "cached")) continue
    const summary = o.outputs["summary"]
    if (summary === undefined) continue
    const parsed = JSON.parse(session.store.get(summary.hash).toString("utf8")) as { warnings?: ReadonlyArray<string> }
    out.push(...(parsed.warnings ?? []))
  }
  return out
}

export const runRun = (args: SpecArgs & { readonly jobs: number; readonly force: ReadonlyArray<string> }) =>
  Effect.scoped(Effect.gen(function*() {
    if (args.jobs < 1) return yield* new UsageError({ message: `-j must be at least 1 (got ${args.jobs})` })
    const session = yield* openSession(args)
    mkdirSync(session.store.root, { recursive: true })
    yield* lockStore(session.store.root, `revo run ${args.spec}`)
    const runId = newRunId()
    const events = new EventLog(join(session.resultsDir, "runs"), runId)
    writeRunInfo(events, `revo run ${args.spec}`, thisHost())
    const progress = new Progress()
    const result = yield* runGraph(session.tasks, { store: session.store, scope: session.loaded.spec.name, events, progress, jobs: args.jobs, force: args.force }).pipe(
      Effect.ensuring(Effect.sync(() => progress.close()))
    )
    const written = writeResults(session, result)
    for (const w of loadWarnings(session, result)) yield* Console.error(`warning: ${w}`)
    const s = progress.summary()
    writeFileAtomic(join(events.dir, "summary.json"), JSON.stringify({
      run: runId, spec: session.loaded.file, spec_sha256: session.loaded.hash, tasks: session.tasks.length,
      executed: s.executed, cached: s.cached, failed: result.failures, seconds: s.seconds
    }, null, 2) + "\n")
    yield* Console.error(
      `${session.tasks.length} tasks: ${s.executed} run, ${s.cached} cached, ${result.failures.length} failed in ${s.seconds.toFixed(1)}s. ` +
        `Results in ${session.resultsDir}${written.length ? ` (updated: ${written.join(", ")})` : " (unchanged)"}; journal ${join(events.dir, "events.jsonl")}`
    )
    if (result.failures.length > 0) return yield* new TasksFailed({ failures: result.failures })
  }))
