/**
 * `revo run`: plan the spec, execute what the store does not already hold, write the results.
 * Also the shared set-up of `revo plan`, `revo report` and `revo status` (spec, store, plugin,
 * dataset keys, task graph).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Plugins } from "../backends/registry.ts"
import { backendCheck } from "../backends/spec-check.ts"
import { datasetKey } from "../data/load.ts"
import { type LoadSummary, LoadSummarySchema } from "../data/outputs.ts"
import { buildPipeline, datasetIds } from "../plan/pipeline.ts"
import { newRunId } from "../runtime/events.ts"
import { formatProblem } from "../runtime/format-check.ts"
import { Journal } from "../runtime/journal.ts"
import { lockStore } from "../runtime/lock.ts"
import { Progress } from "../runtime/progress.ts"
import { TaskStore } from "../runtime/task-store.ts"
import { runGraph, type GraphResult } from "../runtime/run-graph.ts"
import { storageEffect } from "../runtime/storage-effect.ts"
import { type Store, sweepTemp, writeFileAtomic } from "../runtime/store.ts"
import { taskKey, type TaskSpec } from "../runtime/task.ts"
import { hubFiles } from "../hub/source.ts"
import { hubOptions, loadSpec, type LoadedSpec } from "../spec/load.ts"
import { removeProof } from "../runtime/rerun-proof.ts"
import { TasksFailed, UsageError } from "./errors.ts"
import { proofFileOf, recordRerunProof } from "./run-proof.ts"
import { resultsWritten, storeDirFrom, summaryLine, writeRunSummary } from "./run-common.ts"
import { checkSpecData } from "./validate.ts"

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

export const storeDirOf = (store: Option.Option<string>): string => storeDirFrom(Option.getOrUndefined(store))

/** Load the spec, open the store, load the plugin, hash the datasets and build the task graph. */
/** The largest file `revo plan` / `revo run` read for the data check before the tasks. */
export const RUN_CHECK_MAX_BYTES = 256 * 1024 * 1024

export const openSession = (args: SpecArgs, options: { readonly checkData?: boolean } = {}) =>
  Effect.gen(function*() {
    const loaded = yield* loadSpec(args.spec, {
      set: args.set,
      extraChecks: [backendCheck],
      ...(Option.isSome(args.dataRoot) ? { dataRoot: args.dataRoot.value } : {})
    })
    // validate's data check, before any task: an empty dataset or a join that cannot match is a
    // located spec error here, not a failed load task (its warnings come from the loads).
    // Files over 256 MB are left to the load tasks, which parse them anyway (validate checks them all).
    const checked = options.checkData === true ? (yield* checkSpecData(loaded, args.spec, { maxFileBytes: RUN_CHECK_MAX_BYTES })).checked : undefined
    const store = yield* (yield* TaskStore).open
    const storeDir = store.root
    const plugin = yield* (yield* Plugins).load(loaded.spec.backend.plugin, { baseDir: dirname(loaded.file), executor: loaded.spec.backend.executor.kind }).pipe(
      Effect.mapError((e) => new UsageError({ message: `${args.spec}: backend.plugin: ${e.message}` }))
    )
    // A checked dataset is keyed by the bytes the check parsed (the ones its load task is handed);
    // the others (not checked: over the size cap, or hf:// not downloaded) by hashing their files.
    const keys: Record<string, string> = {}
    for (const id of datasetIds(loaded)) {
      keys[id] = checked?.keys[id] ?? (yield* datasetKey(id, loaded.spec.datasets[id]!, { dataRoot: loaded.dataRoot, remote: hubFiles(hubOptions(loaded)) }).pipe(
        Effect.mapError((e) => new UsageError({ message: `${args.spec}: datasets.${id}: ${e.message}` }))
      ))
    }
    const handoff = checked?.handoff(datasetIds(loaded))
    const tasks = buildPipeline({ loaded, plugin, datasetKeys: keys, store, modelsDir: join(storeDir, "models"), ...(handoff !== undefined ? { handoff } : {}) })
    // A load the store already holds never runs: its part of the handoff goes now, not at the end of the run.
    if (handoff !== undefined) for (const t of tasks) if (t.kind === "load" && store.check(taskKey(t, {})).done) handoff.release(t.label.slice("load:".length))
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
    const parsed: unknown = JSON.parse(session.store.get(summary.hash).toString("utf8"))
    // Checked like any task input: a summary that is not a LoadSummary is said, never read by a cast.
    const problem = formatProblem(LoadSummarySchema, parsed)
    if (problem !== undefined) out.push(`${label}: its stored summary does not match its format (${problem}); \`revo verify --repair\` marks it for recomputation`)
    else out.push(...(parsed as LoadSummary).warnings)
  }
  return out
}

export const runRun = (args: SpecArgs & { readonly jobs: number; readonly force: ReadonlyArray<string> }) =>
  Effect.scoped(Effect.gen(function*() {
    if (args.jobs < 1) return yield* new UsageError({ message: `-j must be at least 1 (got ${args.jobs})` })
    const started = Date.now()
    const session = yield* openSession(args, { checkData: true })
    mkdirSync(session.store.root, { recursive: true })
    yield* lockStore(session.store.root, `revo run ${args.spec}`)
    // This run may change the store: until it ends well, no proof says a rerun has nothing to do.
    const proof = proofFileOf(args, session.store.root)
    removeProof(proof.path)
    // Temp files of writes a crash or a full disk interrupted: safe to remove now that we hold the lock.
    const swept = session.store.sweep() + sweepTemp(session.resultsDir, [join(session.resultsDir, "runs")])
    if (swept > 0) yield* Console.error(`Removed ${swept} temp file(s) left by interrupted writes.`)
    const runId = newRunId()
    // This run's journal and progress view, for the runner and for the summary below.
    return yield* Effect.gen(function*() {
      const events = yield* Journal
      const progress = yield* Progress
      const summary = (fields: Record<string, unknown>) => {
        const s = progress.summary()
        writeRunSummary(events.dir, {
          run: runId, spec: session.loaded.file, spec_sha256: session.loaded.hash, tasks: session.tasks.length,
          executed: s.executed, cached: s.cached, seconds: s.seconds, ...fields
        })
        return s
      }
      const journal = join(events.dir, "events.jsonl")
      const result = yield* runGraph(session.tasks, { scope: session.loaded.spec.name, jobs: args.jobs, force: args.force }).pipe(
        Effect.ensuring(Effect.sync(() => progress.close())),
        // Ctrl-C or SIGTERM: the user still needs to know what was done and where the results stand.
        Effect.onInterrupt(() =>
          Effect.suspend(() => {
            const s = summary({ failed: [], interrupted: true, results: false })
            return Console.error(
              `Interrupted after ${s.seconds.toFixed(1)}s: ${s.executed} task(s) run, ${s.cached} cached, ${s.failed} failed of ${session.tasks.length}; ` +
                `the tasks that were running are journaled as interrupted and rerun next time. ${resultsState(session, runId)}; journal ${journal}`
            )
          })
        )
      )
      const written = yield* storageEffect(session.resultsDir, () => writeResults(session, result)).pipe(
        // Say which tasks failed before why the results could not be written (often the same full disk).
        Effect.tapError(() => result.failures.length > 0 ? Console.error(new TasksFailed({ failures: result.failures }).message) : Effect.void)
      )
      const warnings = loadWarnings(session, result)
      for (const w of warnings) yield* Console.error(`warning: ${w}`)
      const reported = reportWritten(result)
      const s = summary({ failed: result.failures, results: reported })
      // Nothing failed and the results are this run's: the next run of this command line may prove it has nothing to do.
      if (reported && result.failures.length === 0) recordRerunProof(proof, { started, session, result, warnings })
      yield* Console.error(summaryLine(
        { tasks: session.tasks.length, ...s }, result.failures.length,
        reported ? resultsWritten(session.resultsDir, written) : resultsState(session, runId), journal
      ))
      if (result.failures.length > 0) return yield* new TasksFailed({ failures: result.failures })
    }).pipe(Effect.provide(Layer.mergeAll(Journal.layer(session.resultsDir, runId, `revo run ${args.spec}`), Progress.layerTerminal)))
  }))

/** Did this run produce the report (computed or cached), so the results folder is its own? */
const reportWritten = (result: GraphResult): boolean => {
  const report = result.outcomes.get("report")
  return report !== undefined && (report.status === "done" || report.status === "cached")
}

/**
 * What the results folder holds when this run did not write it: nothing yet, or the report of
 * an earlier run, named, so nobody takes it for this configuration's results.
 */
export const resultsState = (session: Session, runId: string): string => {
  if (!existsSync(join(session.resultsDir, "report.json"))) return `No report was written: ${session.resultsDir} holds no results yet`
  const runsDir = join(session.resultsDir, "runs")
  let runs: Array<string> = []
  try {
    runs = readdirSync(runsDir).filter((r) => r !== runId).sort().reverse()
  } catch {
    // no runs folder: an older layout
  }
  for (const run of runs) {
    let s: { results?: boolean; failed?: ReadonlyArray<string>; interrupted?: boolean; spec_sha256?: string; command?: string }
    try {
      s = JSON.parse(readFileSync(join(runsDir, run, "summary.json"), "utf8"))
    } catch {
      continue
    }
    // Summaries older than the `results` field: a run with no failure wrote the report.
    const wrote = s.results ?? ((s.failed ?? []).length === 0 && s.interrupted !== true)
    if (!wrote) continue
    const config = s.spec_sha256 === undefined || s.command === "report"
      ? ""
      : s.spec_sha256 === session.loaded.hash ? " (the same spec)" : " (an earlier configuration of the spec)"
    return `The results in ${session.resultsDir} are stale: they were written by run ${run}${config}, not by this one`
  }
  return `The results in ${session.resultsDir} are stale: they were written by an earlier run, not by this one`
}

/** The run folder of a live store holder, when it is a run of this experiment (ids end in the pid). */
export const holderRun = (session: Session, pid: number): string | undefined => {
  try {
    return readdirSync(join(session.resultsDir, "runs")).filter((r) => r.endsWith(`-${pid}`)).sort().at(-1)
  } catch {
    return undefined
  }
}
