/**
 * `revo report`: rebuild report.json/.md/.html, the REVO-LION Parquet files and revo.lock from
 * the store, without computing anything else. `revo publish` reads the same outputs.
 */
import { join } from "node:path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { explainPlan } from "../plan/explain.ts"
import { newRunId } from "../runtime/events.ts"
import { Journal } from "../runtime/journal.ts"
import { holderAlive, lockStore, readLockHolder, StoreLocked } from "../runtime/lock.ts"
import { Progress } from "../runtime/progress.ts"
import { runGraph } from "../runtime/run-graph.ts"
import { TasksFailed, UsageError } from "./errors.ts"
import { writeFileAtomic } from "../runtime/store.ts"
import { holderRun, openSession, type SpecArgs, writeResults } from "./run.ts"

/**
 * Fails unless everything the command reads is in the store: everything upstream of the report,
 * and with `withReport` the report itself. Returns the plan, whose rows carry the task keys.
 */
export const requireResults = (args: SpecArgs, command: string, withReport = false) =>
  Effect.gen(function*() {
    const session = yield* openSession(args)
    // A run in progress holds the store: its unfinished tasks are not "interrupted last time".
    const holder = readLockHolder(session.store.root)
    if (holder !== undefined && holder.pid !== process.pid && holderAlive(holder)) {
      const run = holderRun(session, holder.pid)
      return yield* new StoreLocked({
        store: session.store.root,
        holder: `\`${holder.command}\`${run === undefined ? "" : `, run ${run}`} (pid ${holder.pid} on ${holder.host}, since ${holder.started}); \`revo ${command}\` reads it once that run has finished`
      })
    }
    const rows = explainPlan(session.tasks, session.store, session.loaded.spec.name)
    const missing = rows.filter((r) => r.status === "run" && (withReport || r.task !== "report"))
    if (missing.length > 0) {
      return yield* new UsageError({
        message: `revo ${command}: ${missing.length} task(s) of ${args.spec} are not in the store ${session.store.root} ` +
          `(first: ${missing[0]!.task}, ${missing[0]!.reason}). Run \`revo run ${args.spec}\` first.`
      })
    }
    return { session, rows }
  })

export const runReport = (args: SpecArgs) =>
  Effect.scoped(Effect.gen(function*() {
    const { session } = yield* requireResults(args, "report")
    yield* lockStore(session.store.root, `revo report ${args.spec}`)
    session.store.sweep()
    const runId = newRunId()
    const { result, runDir } = yield* Effect.gen(function*() {
      const progress = yield* Progress
      const result = yield* runGraph(session.tasks, { scope: session.loaded.spec.name, jobs: 1, force: ["report"] }).pipe(
        Effect.ensuring(Effect.sync(() => progress.close()))
      )
      return { result, runDir: (yield* Journal).dir }
    }).pipe(Effect.provide(Layer.mergeAll(Journal.layer(session.resultsDir, runId, `revo report ${args.spec}`), Progress.layerTerminal)))
    const written = result.failures.length > 0 ? [] : writeResults(session, result)
    // A report run is a run: its summary tells `revo status` it finished.
    writeFileAtomic(join(runDir, "summary.json"), JSON.stringify({ run: runId, command: "report", spec: session.loaded.file, spec_sha256: session.loaded.hash, failed: result.failures, results: result.failures.length === 0 }, null, 2) + "\n")
    if (result.failures.length > 0) return yield* new TasksFailed({ failures: result.failures })
    yield* Console.log(`Report rebuilt in ${session.resultsDir}${written.length ? ` (updated: ${written.join(", ")})` : " (unchanged)"}`)
  }))
