/**
 * Executes a task graph against the store: cached tasks are skipped, the rest run with bounded
 * concurrency (CPU and GPU slots apart), transient failures are retried with backoff, a failed
 * task fails only what depends on it (the rest of the matrix completes), and an interruption
 * stops every running task cleanly (their records stay "running": the next run redoes them).
 */
import { appendFileSync, mkdirSync } from "node:fs"
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import type { JobHandle } from "../backends/executors/types.ts"
import { formatProblem, inputFormatMessage } from "./format-check.ts"
import { Journal } from "./journal.ts"
import { Progress } from "./progress.ts"
import type { StoreUnwritable } from "./storage-effect.ts"
import { TaskStore } from "./task-store.ts"
import { asStorageFailure, guardStorage, StorageFailure } from "./storage-failure.ts"
import { type Store, thisHost } from "./store.ts"
import { orderedTasks, TaskGraphError } from "./graph-check.ts"
import { globMatcher, type Output, type OutputRef, type Outputs, type RunContext, type TaskEnv, TaskFailure, taskKey, type TaskSpec } from "./task.ts"

/** How to run a graph; the store, journal and progress view come from the context (TaskStore, Journal, Progress). */
export interface GraphOptions {
  /** Scope of the label index (the experiment name), see Store.readLabel. */
  readonly scope: string
  /** CPU task slots (-j). */
  readonly jobs: number
  /** GPU task slots. */
  readonly gpus?: number
  /** Rerun tasks whose labels match any of these globs. */
  readonly force?: ReadonlyArray<string>
  /** Base delay of the retry backoff (tests shorten it). */
  readonly retryBase?: Duration.Input
}

export type TaskOutcome =
  | { readonly status: "done" | "cached"; readonly key: string; readonly outputs: Readonly<Record<string, { hash: string; size: number }>> }
  | { readonly status: "failed"; readonly key: string; readonly error: string }
  | { readonly status: "skipped"; readonly error: string }

export interface GraphResult {
  readonly outcomes: ReadonlyMap<string, TaskOutcome>
  readonly failures: ReadonlyArray<string>
}

/**
 * Parsed inputs are shared between tasks of one run (many tasks read the same samples), and each
 * parsed value is checked against a given Schema once. The check validates and hands on the
 * parsed value itself (no decoded copy), so what a task reads is byte for byte what was stored.
 */
class InputCache {
  private readonly map = new Map<string, { readonly value: unknown; readonly checked: Set<Schema.Decoder<unknown>> }>()
  private readonly order: Array<string> = []
  private readonly store: Store
  private readonly max: number
  constructor(store: Store, max = 64) {
    this.store = store
    this.max = max
  }
  /** The parsed value, or why it is not one of `schema`'s values. */
  read<A>(hash: string, schema: Schema.Decoder<A>): { readonly value: A } | { readonly problem: string } {
    let entry = this.map.get(hash)
    if (entry === undefined) {
      let value: unknown
      try {
        value = JSON.parse(this.store.getText(hash))
      } catch (e) {
        if (e instanceof SyntaxError) return { problem: `its stored bytes are not JSON (${e.message})` }
        throw e
      }
      entry = { value, checked: new Set() }
      this.map.set(hash, entry)
      this.order.push(hash)
      if (this.order.length > this.max) this.map.delete(this.order.shift()!)
    }
    if (!entry.checked.has(schema)) {
      const problem = formatProblem(schema, entry.value)
      if (problem !== undefined) return { problem }
      entry.checked.add(schema)
    }
    return { value: entry.value as A }
  }
}

const refKey = (ref: OutputRef): string => `${ref.task}\u0000${ref.output}`

export const runGraph = (graph: ReadonlyArray<TaskSpec>, options: GraphOptions): Effect.Effect<GraphResult, TaskGraphError | StoreUnwritable, TaskStore | Journal | Progress | TaskEnv> =>
  Effect.gen(function*() {
    const tasks = yield* Effect.try({ try: () => orderedTasks(graph), catch: (e) => (e instanceof TaskGraphError ? e : new TaskGraphError({ message: String(e) })) })
    const store = yield* (yield* TaskStore).open
    const events = yield* Journal
    const progress = yield* Progress
    const cpu = yield* Semaphore.make(Math.max(1, options.jobs))
    const gpu = yield* Semaphore.make(Math.max(1, options.gpus ?? 1))
    const forced = (options.force ?? []).map(globMatcher)
    const isForced = (label: string) => forced.some((m) => m(label))
    const cache = new InputCache(store)
    const deferreds = new Map<string, Deferred.Deferred<TaskOutcome>>()
    for (const t of tasks) {
      deferreds.set(t.label, Deferred.makeUnsafe<TaskOutcome>())
      progress.planned(t.kind)
    }
    const outcomes = new Map<string, TaskOutcome>()
    // Tasks with the same key (same kind, code, params and input bytes: two models that came out
    // byte-identical, say) share a work folder and a record: they must never run at once, or one
    // clobbers the other's files. A later twin waits, then finds the first one's record (cached).
    const running = new Map<string, Deferred.Deferred<void>>()

    const runOne = (task: TaskSpec): Effect.Effect<TaskOutcome, never, TaskEnv> =>
      Effect.gen(function*() {
        // Wait for inputs; an input that failed makes this task skip, not fail.
        const inputHashes: Record<string, string> = {}
        for (const [name, ref] of Object.entries(task.inputs)) {
          const up = yield* Deferred.await(deferreds.get(ref.task)!)
          if (up.status === "failed" || up.status === "skipped") {
            const error = `input ${ref.task} ${up.status === "failed" ? "failed" : "was skipped"}`
            progress.finish(task.label, task.kind, "skipped", 0, error)
            events.write({ event: "skipped", task: task.label, key: "", reason: error })
            return { status: "skipped", error } as const
          }
          const out = up.outputs[ref.output]
          if (!out) return yield* Effect.die(new Error(`task ${ref.task} has no output ${ref.output} (needed by ${task.label})`))
          inputHashes[name] = out.hash
        }
        const key = taskKey(task, inputHashes)
        for (let twin = running.get(key); twin !== undefined; twin = running.get(key)) yield* Deferred.await(twin)
        const mine = Deferred.makeUnsafe<void>()
        running.set(key, mine)
        return yield* decide(task, key, inputHashes).pipe(Effect.ensuring(Effect.suspend(() => {
          running.delete(key)
          return Deferred.succeed(mine, undefined)
        })))
      })

    /** Cached, or run: the store's verdict on this key, taken while no twin of it is running. */
    const decide = (task: TaskSpec, key: string, inputHashes: Record<string, string>): Effect.Effect<TaskOutcome, never, TaskEnv> =>
      Effect.gen(function*() {
        const check = store.check(key)
        if (check.done && !isForced(task.label)) {
          progress.finish(task.label, task.kind, "cached", 0)
          events.write({ event: "cached", task: task.label, key })
          bestEffort(() => store.writeLabel(options.scope, task.label, key))
          return { status: "cached", key, outputs: check.record.outputs } as const
        }
        if (!check.done && check.reason === "damaged") progress.note(`${task.label}: ${check.detail}; recomputing it`)
        const adopt: JobHandle | undefined = !check.done && check.reason === "unfinished" ? check.record?.job : undefined
        const previousAttempt = check.record?.attempt ?? 0
        const sem = task.resource === "gpu" ? gpu : cpu
        const reason = check.done ? "forced" : check.reason === "damaged" ? `damaged: ${check.detail}` : check.reason
        return yield* sem.withPermits(1)(execute(task, key, inputHashes, previousAttempt, adopt, reason))
      })

    const execute = (task: TaskSpec, key: string, inputHashes: Record<string, string>, previousAttempt: number, adopt: JobHandle | undefined, reason: string) =>
      Effect.gen(function*() {
        const workDir = store.workDir(key)
        const logFile = store.logPath(key)
        const inputNames = new Map(Object.entries(task.inputs).map(([name, ref]) => [refKey(ref), name] as const))
        let attempt = previousAttempt
        let job: JobHandle | undefined = adopt
        const started = new Date().toISOString()
        const t0 = Date.now()
        const baseRecord = () => ({
          key, kind: task.kind, label: task.label, inputs: inputHashes, params: task.params, outputs: {},
          attempt, started, host: thisHost(), pid: process.pid, log: logFile, ...(job ? { job } : {})
        })
        progress.start(task.label, task.kind)

        const once = Effect.suspend(() => {
          attempt++
          // A store that refuses writes (full, read-only) fails the task with what to do, not a stack trace.
          try {
            guardStorage(workDir, () => mkdirSync(workDir, { recursive: true }), "create")
            store.writeRecord({ ...baseRecord(), status: "running" })
          } catch (e) {
            if (e instanceof StorageFailure) return Effect.fail(new TaskFailure({ message: e.message }))
            throw e
          }
          events.write({ event: "start", task: task.label, key, attempt, reason })
          const ctx: RunContext = {
            key, label: task.label, attempt, workDir, logFile,
            read: <A>(input: Output<A>) => Effect.flatMap(inputOf(input), ({ name, hash }) => {
              const r = cache.read(hash, input.schema)
              return "value" in r
                ? Effect.succeed(r.value)
                : Effect.fail(new TaskFailure({ message: inputFormatMessage(task.label, name, input, r.problem) }))
            }),
            bytes: (input) => Effect.map(inputOf(input), ({ name, hash }) => ({ name, bytes: store.get(hash) })),
            hashOf: (input) => Effect.map(inputOf(input), (i) => i.hash),
            progress: (done, total, message) => progress.progress(task.label, done, total, message),
            log: (line) => appendFileSync(logFile, line.endsWith("\n") ? line : line + "\n"),
            pluginLog: (level, message) => events.write({ event: "log", task: task.label, key, attempt, level, message }),
            recordJob: (handle) => Effect.sync(() => {
              job = handle
              store.writeRecord({ ...baseRecord(), status: "running" })
            }),
            // Only the first attempt of this process adopts the job an earlier process left;
            // a retry here must start a new job, not collect the one that just failed.
            adopt: attempt === previousAttempt + 1 ? adopt : undefined
          }
          return task.run(ctx)
        })
        // A handle is found among the task's inputs by (task, output); the name is the task's own.
        const inputOf = (ref: OutputRef): Effect.Effect<{ readonly name: string; readonly hash: string }, TaskFailure> => {
          const name = inputNames.get(refKey(ref))
          const hash = name === undefined ? undefined : inputHashes[name]
          return name === undefined || hash === undefined
            ? Effect.fail(new TaskFailure({ message: `${task.label} reads output ${ref.output} of ${ref.task}, which is not among its inputs` }))
            : Effect.succeed({ name, hash })
        }

        const retried = once.pipe(
          Effect.tapError((e) => Effect.sync(() => {
            if (e.transient) events.write({ event: "retry", task: task.label, key, attempt, error: e.message })
          })),
          Effect.retry({
            while: (e: TaskFailure) => e.transient === true,
            times: task.retries ?? 2,
            schedule: Schedule.exponential(options.retryBase ?? "500 millis").pipe(Schedule.jittered)
          })
        )
        // An interruption (Ctrl-C, SIGTERM) stops this fiber before the code below runs: journal it here.
        let interruptedJournaled = false
        const exit = yield* Effect.exit(retried.pipe(Effect.onInterrupt(() =>
          Effect.sync(() => {
            interruptedJournaled = true
            events.write({ event: "interrupted", task: task.label, key, attempt })
          })
        )))
        const seconds = (Date.now() - t0) / 1000
        let storeError: string | undefined
        if (Exit.isSuccess(exit)) {
          try {
            const outputs = storeOutputs(store, exit.value)
            store.writeRecord({ ...baseRecord(), outputs, status: "done", ended: new Date().toISOString() })
            bestEffort(() => store.writeLabel(options.scope, task.label, key))
            events.write({ event: "done", task: task.label, key, attempt, seconds })
            progress.finish(task.label, task.kind, "done", seconds)
            return { status: "done", key, outputs } as const
          } catch (e) {
            if (!(e instanceof StorageFailure)) throw e
            // Computed, but not kept: the record does not say done, so the next run computes it again.
            storeError = `computed, but its outputs could not be stored: ${e.message}`
          }
        }
        if (storeError === undefined && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) {
          if (!interruptedJournaled) events.write({ event: "interrupted", task: task.label, key, attempt })
          return yield* Effect.interrupt
        }
        const error = storeError ?? (Exit.isFailure(exit) ? failureMessage(exit.cause, attempt - previousAttempt) : "")
        // With a full or read-only store these writes fail too; the outcome below still says why.
        bestEffort(() => store.writeRecord({ ...baseRecord(), status: "failed", ended: new Date().toISOString(), error }))
        bestEffort(() => appendFileSync(logFile, `FAILED: ${error}\n`))
        events.write({ event: "failed", task: task.label, key, attempt, error })
        progress.finish(task.label, task.kind, "failed", seconds, headline(error))
        return { status: "failed", key, error } as const
      })

    yield* Effect.forEach(tasks, (task) =>
      runOne(task).pipe(
        Effect.tap((o) => Effect.sync(() => outcomes.set(task.label, o))),
        Effect.flatMap((o) => Deferred.succeed(deferreds.get(task.label)!, o))
      ), { concurrency: "unbounded", discard: true })

    const failures = tasks.flatMap((t) => {
      const o = outcomes.get(t.label)
      return o?.status === "failed" ? [`${t.label}: ${headline(o.error)}`] : []
    })
    return { outcomes, failures }
  })

/** Why a task failed: its TaskFailure's message, or a storage failure it threw, or the defect in full. */
const failureMessage = (cause: Cause.Cause<TaskFailure>, tries: number): string => {
  // The typed failure (a TaskFailure), if the cause holds one rather than only a defect.
  const last = Option.getOrUndefined(Cause.findErrorOption(cause))
  if (last === undefined) {
    const die = Cause.findDefect(cause)
    const defect = die._tag === "Success" ? asStorageFailure(die.success, "") : undefined
    return defect instanceof StorageFailure ? defect.message : Cause.pretty(cause)
  }
  // A transient failure that is still failing after every retry: say that it was retried.
  return last.transient === true && tries > 1 ? `after ${tries} attempts: ${last.message}` : last.message
}

/** Bookkeeping that must not turn a task's outcome into a crash when the disk refuses it. */
const bestEffort = (f: () => void): void => {
  try {
    f()
  } catch (e) {
    if (!(asStorageFailure(e, "") instanceof StorageFailure)) throw e
  }
}

/**
 * The first line of an error and, when that line only introduces what follows ("...last lines
 * of stderr:"), the last non-empty line after it that the plugin wrote: a traceback ends with its cause.
 */
export const headline = (error: string): string => {
  const [first = "", ...rest] = error.split("\n")
  // revo's own diagnostics in a log ("[revo <time>] slurm job 7: FAILED") are not the cause
  const cause = rest.filter((l) => l.trim() !== "" && !l.startsWith("[revo ")).at(-1)
  return first.endsWith(":") && cause !== undefined ? `${first} ${cause.trim()}` : first
}

const storeOutputs = (store: Store, outputs: Outputs): Record<string, { hash: string; size: number; mtime: number }> => {
  const result: Record<string, { hash: string; size: number; mtime: number }> = {}
  for (const name of Object.keys(outputs).sort()) result[name] = store.put(outputs[name]!)
  return result
}


export { TaskFailure }
