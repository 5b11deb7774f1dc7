/**
 * The Slurm executor: submits a process plugin's command with sbatch, follows it, adopts jobs
 * that an earlier revo left running, and cancels (only) its own job on interruption.
 *
 * Per submission, in the task's work dir (`<cwd>/.revo-slurm/`):
 *   job.sh         the batch script (argv and cwd only: no environment values)
 *   <id>.out       the job's stdout, tailed into `hooks.onStdoutLine` (stderr goes to `job.logFile`)
 *   <id>.status    the command's exit status, written by the script: completion is known without sacct
 *   <id>.offset    how much of <id>.out was handed on, so an adopting revo continues from there
 *   <id>.collected revo saw the job end; <id>.cancelled: revo cancelled it when interrupted
 *
 * Completion: `squeue -h -t all -j ID -o %T` while the job is live, then `scontrol show job -o ID`
 * for the final state and exit code; once the controller forgets the job (MinJobAge), the status
 * file decides. Errors from a busy or restarting controller are retried for `controllerPatience`.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Pull from "effect/Pull"
import * as Schedule from "effect/Schedule"
import * as Semaphore from "effect/Semaphore"
import type { ChildProcessSpawner } from "effect/process"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import { appendDiagnostic, resolveExecutable } from "./local.ts"
import { firstLine, runCli } from "./slurm-cli.ts"
import { SlurmControllerUnavailable, SlurmJobFailed, SlurmJobLost, SlurmSubmitFailed, type SlurmExecutorError } from "./slurm-errors.ts"
import { escalate, mergeResources, type RetryPolicy } from "./slurm-resources.ts"
import { clientEnv, jobName, markerPath, offsetPath, renderScript, sbatchArgs, scriptPath, slurmDir, statusPath, stdoutPath } from "./slurm-script.ts"
import { isTerminal, isTransientSubmitError, isUnknownJob, jobInfoFromScontrol, normaliseState, type JobInfo } from "./slurm-state.ts"
import { makeTail } from "./slurm-tail.ts"
import type { Executor, Hooks, Job, JobHandle, JobResult, Resources } from "./types.ts"

export * from "./slurm-errors.ts"
export type { RetryPolicy } from "./slurm-resources.ts"

export interface SlurmExecutorOptions {
  /** Defaults for every job; a task's own `resources` override them key by key. */
  readonly partition?: string
  readonly gres?: string
  readonly cpus?: number
  readonly mem?: string
  readonly time?: string
  readonly extraArgs?: ReadonlyArray<string>
  /** Resubmit after OUT_OF_MEMORY / TIMEOUT with more memory / time. */
  readonly retry?: RetryPolicy
  /** Submissions in flight at once (default 1) ... */
  readonly submitConcurrency?: number
  /** ... and the least time between two submissions (default 500 ms): a burst of sbatch calls is what busy controllers punish. */
  readonly submitSpacing?: Duration.Input
  /** Poll interval: starts at `initial` (default 1 s), grows by half each poll up to `max` (default 15 s). */
  readonly poll?: { readonly initial?: Duration.Input; readonly max?: Duration.Input }
  /** How long the controller may keep failing before the job is given up (default 10 minutes). */
  readonly controllerPatience?: Duration.Input
  /** A client command that hangs longer than this counts as a controller failure (default 60 s). */
  readonly commandTimeout?: Duration.Input
  /** revo's own environment, where SLURM_CONF, PATH etc. are found (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Job names are this prefix plus the task key's first 16 hex digits (default "revo-"). */
  readonly jobNamePrefix?: string
}

/** The spec's `executor: {kind: slurm, ...}` block (snake_case) as executor options. */
export interface SlurmExecutorSpec {
  readonly partition?: string
  readonly gres?: string
  readonly cpus?: number
  readonly mem?: string
  readonly time?: string
  readonly extra_args?: ReadonlyArray<string>
  readonly retry?: { readonly max: number; readonly mem_factor?: number; readonly time_factor?: number }
}

export const slurmOptionsFromSpec = (spec: SlurmExecutorSpec, rest: SlurmExecutorOptions = {}): SlurmExecutorOptions => ({
  ...rest,
  ...(spec.partition === undefined ? {} : { partition: spec.partition }),
  ...(spec.gres === undefined ? {} : { gres: spec.gres }),
  ...(spec.cpus === undefined ? {} : { cpus: spec.cpus }),
  ...(spec.mem === undefined ? {} : { mem: spec.mem }),
  ...(spec.time === undefined ? {} : { time: spec.time }),
  ...(spec.extra_args === undefined ? {} : { extraArgs: spec.extra_args }),
  ...(spec.retry === undefined ? {} : {
    retry: {
      max: spec.retry.max,
      ...(spec.retry.mem_factor === undefined ? {} : { memFactor: spec.retry.mem_factor }),
      ...(spec.retry.time_factor === undefined ? {} : { timeFactor: spec.retry.time_factor })
    }
  })
})

type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

const writeMarker = (cwd: string, jobId: string, marker: "collected" | "cancelled"): Effect.Effect<void> =>
  Effect.tryPromise(() => NodeFs.writeFile(markerPath(cwd, jobId, marker), `${new Date().toISOString()}\n`)).pipe(Effect.ignore)

const hasMarker = (cwd: string, jobId: string, marker: "collected" | "cancelled"): Effect.Effect<boolean> =>
  Effect.tryPromise(() => NodeFs.access(markerPath(cwd, jobId, marker))).pipe(Effect.as(true), Effect.orElseSucceed(() => false))

const readStatus = (cwd: string, jobId: string): Effect.Effect<number | undefined> =>
  Effect.tryPromise(() => NodeFs.readFile(statusPath(cwd, jobId), "utf8")).pipe(
    Effect.map((s) => (/^[0-9]+$/.test(s.trim()) ? Number(s.trim()) : undefined)),
    Effect.orElseSucceed(() => undefined)
  )

/** Reasons that only repeat the state. */
const REDUNDANT_REASONS = new Set(["NonZeroExitCode", "TimeLimit", "JobLaunchFailure"])

export const makeSlurmExecutor = (options: SlurmExecutorOptions = {}): Executor<SlurmExecutorError> => {
  const submitGate = Semaphore.makeUnsafe(Math.max(1, options.submitConcurrency ?? 1))
  const spacingMs = Duration.toMillis(Duration.fromInputUnsafe(options.submitSpacing ?? "500 millis"))
  const pollInitial = Duration.toMillis(Duration.fromInputUnsafe(options.poll?.initial ?? "1 second"))
  const pollMax = Duration.toMillis(Duration.fromInputUnsafe(options.poll?.max ?? "15 seconds"))
  const patienceMs = Duration.toMillis(Duration.fromInputUnsafe(options.controllerPatience ?? "10 minutes"))
  const commandTimeout = options.commandTimeout ?? "60 seconds"
  const namePrefix = options.jobNamePrefix ?? "revo-"
  const defaults: Resources = {
    ...(options.partition === undefined ? {} : { partition: options.partition }),
    ...(options.gres === undefined ? {} : { gres: options.gres }),
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    ...(options.mem === undefined ? {} : { mem: options.mem }),
    ...(options.time === undefined ? {} : { time: options.time }),
    ...(options.extraArgs === undefined ? {} : { extraArgs: options.extraArgs })
  }
  let lastSubmitAt = 0
  /**
   * How long to wait between tries while the controller fails (a query that errors, a transient
   * sbatch refusal): from the first poll interval, doubling up to the longest, for as long as the
   * controller patience allows since the first failure.
   */
  const controllerBackoff = Schedule.exponential(Duration.millis(pollInitial), 2).pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.millis(pollMax)))),
    Schedule.upTo({ duration: Duration.millis(patienceMs) })
  )
  /** Polls of a job whose state has not changed: from the first poll interval, growing by half up to the longest. */
  const pollBackoff = Schedule.exponential(Duration.millis(pollInitial), 1.5).pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.millis(pollMax))))
  )

  const run = (job: Job, hooks: Hooks, adopt?: JobHandle) =>
    Effect.gen(function*() {
      const revoEnv = options.env ?? process.env
      const env = clientEnv(revoEnv, false)
      const bins: Record<string, string> = {}
      for (const name of ["sbatch", "squeue", "scontrol", "scancel"]) {
        const found = resolveExecutable(name, { PATH: `${env.PATH ?? ""}:/usr/bin:/bin` })
        if (found === undefined) {
          return yield* new SlurmSubmitFailed({ label: job.label, reason: `${name} not found on PATH (is Slurm installed?)` })
        }
        bins[name] = found
      }
      const bin = (name: string): string => bins[name]!
      const cli = (name: string, args: ReadonlyArray<string>, cliEnv = env) => runCli(bin(name), args, cliEnv, commandTimeout)
      const log = (text: string) => appendDiagnostic(job.logFile, text)

      /**
       * A controller query: its stdout, or "unknown" for a job the controller does not know. A
       * failing controller is asked again (controllerBackoff); past its patience, the last failure stands.
       */
      const query = (name: string, args: ReadonlyArray<string>, jobId: string) =>
        Effect.suspend(() => {
          let logged = false
          return cli(name, args).pipe(
            Effect.flatMap((res): Effect.Effect<{ readonly known: boolean; readonly stdout: string }, SlurmControllerUnavailable> =>
              res.exitCode === 0
                ? Effect.succeed({ known: true, stdout: res.stdout })
                : isUnknownJob(res.stderr)
                ? Effect.succeed({ known: false, stdout: "" })
                : Effect.fail(new SlurmControllerUnavailable({ label: job.label, jobId, command: name, reason: firstLine(res.stderr) || `exit code ${res.exitCode}` }))
            ),
            Effect.tapError((e) => {
              if (logged) return Effect.void
              logged = true
              return log(`${name} failed (${e.reason}); retrying while the controller recovers`)
            }),
            Effect.retry(controllerBackoff)
          )
        })

      const submit = (resources: Resources, restore: Restore) =>
        Effect.gen(function*() {
          const cwd = NodePath.resolve(job.cwd)
          const [argv0, ...rest] = job.command
          if (argv0 === undefined) return yield* new SlurmSubmitFailed({ label: job.label, reason: "empty command" })
          // Without a granted PATH the job could find no command by name; resolve it here, as the local executor does.
          const command = job.env.PATH === undefined
            ? [resolveExecutable(argv0, revoEnv.PATH === undefined ? {} : { PATH: revoEnv.PATH }) ?? argv0, ...rest]
            : job.command
          yield* Effect.tryPromise(async () => {
            await NodeFs.mkdir(slurmDir(cwd), { recursive: true })
            await NodeFs.mkdir(NodePath.dirname(NodePath.resolve(job.logFile)), { recursive: true })
            await NodeFs.writeFile(scriptPath(cwd), renderScript({ ...job, command }), { mode: 0o700 })
          }).pipe(Effect.mapError((e) => new SlurmSubmitFailed({ label: job.label, reason: `cannot write the job script: ${String(e.cause)}` })))
          const args = sbatchArgs(job, resources, namePrefix)
          // The granted values reach the job through sbatch's own environment (--export=ALL).
          const sbatchEnv = { ...clientEnv(revoEnv, true), ...job.env }

          yield* restore(Semaphore.take(submitGate, 1))
          return yield* Effect.gen(function*() {
            const wait = lastSubmitAt + spacingMs - Date.now()
            if (wait > 0) yield* restore(Effect.sleep(Duration.millis(wait)))
            // The backoff is stepped by hand rather than by Effect.retry: submitting is
            // uninterruptible (a job id must never go unrecorded), only the waits between tries are not.
            const backoff = yield* Schedule.toStepWithMetadata(controllerBackoff)
            while (true) {
              const res = yield* cli("sbatch", args, sbatchEnv)
              lastSubmitAt = Date.now()
              const id = res.stdout.trim().split(";")[0] ?? ""
              if (res.exitCode === 0 && /^[0-9]+(_[0-9]+)?$/.test(id)) {
                yield* log(`submitted slurm job ${id}: sbatch ${args.join(" ")}`)
                return id
              }
              const reason = firstLine(res.stderr) || `sbatch printed ${JSON.stringify(res.stdout.trim())}`
              const next = res.exitCode !== 0 && isTransientSubmitError(res.stderr)
                ? yield* backoff(undefined).pipe(Pull.catchDone(() => Effect.succeed(undefined)))
                : undefined
              if (next === undefined) return yield* new SlurmSubmitFailed({ label: job.label, reason })
              yield* log(`sbatch failed (${reason}); retrying`)
              yield* restore(Effect.sleep(next.duration))
            }
          }).pipe(Effect.ensuring(Semaphore.release(submitGate, 1)))
        })

      const waitFor = (jobId: string, adopted: boolean) =>
        Effect.gen(function*() {
          const cwd = NodePath.resolve(job.cwd)
          const replay = adopted && hooks.replayOnAdopt === true
          const tail = yield* makeTail(stdoutPath(cwd, jobId), offsetPath(cwd, jobId), hooks.onStdoutLine, replay, hooks.onOverlongLine)
          /** One look at the job: its state (empty when the controller no longer knows it) and, near the end, its details. */
          const look = Effect.gen(function*() {
            const q = yield* query("squeue", ["-h", "-t", "all", "-j", jobId, "-o", "%T"], jobId)
            yield* tail.poll
            const queued = q.known ? normaliseState(q.stdout) : ""
            let info: JobInfo | undefined
            if (queued === "" || isTerminal(queued)) {
              const s = yield* query("scontrol", ["show", "job", "-o", jobId], jobId)
              info = s.known ? jobInfoFromScontrol(s.stdout) : undefined
            }
            const state = info?.state ?? queued
            return { state, info, running: state !== "" && !isTerminal(state) }
          })
          // Poll while the state stays the same, backing off (pollBackoff); a new state is logged
          // and polling starts again from the first interval.
          let lastState = ""
          const { state, info } = yield* Effect.suspend(() => {
            const seen = lastState
            return look.pipe(Effect.repeat({ schedule: pollBackoff, while: (l) => l.running && l.state === seen }))
          }).pipe(
            Effect.tap((l) => {
              if (!l.running || l.state === lastState) return Effect.void
              lastState = l.state
              return log(`slurm job ${jobId}: ${l.state}`)
            }),
            Effect.repeat({ schedule: Schedule.spaced(Duration.millis(pollInitial)), while: (l) => l.running })
          )
          yield* tail.finish
          const status = yield* readStatus(cwd, jobId)
          const finalState = state !== "" ? state : status === undefined ? undefined : status === 0 ? "COMPLETED" : "FAILED"
          if (finalState === undefined) return yield* new SlurmJobLost({ jobId, label: job.label })
          yield* writeMarker(cwd, jobId, "collected")
          const exitCode = status ?? info?.exitCode ?? 0
          yield* log(`slurm job ${jobId}: ${finalState}, exit code ${exitCode}`)
          if (finalState === "COMPLETED" && exitCode === 0) {
            return { exitCode, state: finalState, handle: { executor: "slurm", id: jobId } } satisfies JobResult
          }
          const reason = info?.reason
          return yield* new SlurmJobFailed({
            jobId,
            label: job.label,
            state: finalState === "COMPLETED" ? "FAILED" : finalState,
            exitCode,
            signal: info?.signal ?? 0,
            elapsed: info?.runTime ?? "",
            ...(reason === undefined || REDUNDANT_REASONS.has(reason) ? {} : { reason })
          })
        })

      /** Best effort: a few tries, then give up (the job then runs on; the log says so). */
      const cancel = (jobId: string) =>
        Effect.gen(function*() {
          const cwd = NodePath.resolve(job.cwd)
          // Marked first: a revo killed right after scancel must not adopt the job it cancelled.
          yield* writeMarker(cwd, jobId, "cancelled")
          const cancelled = yield* cli("scancel", [jobId]).pipe(
            Effect.flatMap((res) => res.exitCode === 0 || isUnknownJob(res.stderr) || /already complet/i.test(res.stderr) ? Effect.void : Effect.fail(res)),
            Effect.retry({ schedule: Schedule.spaced("1 second"), times: 2 }),
            Effect.as(true),
            Effect.orElseSucceed(() => false)
          )
          if (cancelled) return yield* log(`interrupted: cancelled slurm job ${jobId}`)
          // It runs on, so the next revo may adopt it after all.
          yield* Effect.tryPromise(() => NodeFs.rm(markerPath(cwd, jobId, "cancelled"), { force: true })).pipe(Effect.ignore)
          yield* log(`interrupted: could not cancel slurm job ${jobId}; cancel it by hand (scancel ${jobId})`)
        })

      /** One submission (or the adoption of `adoptId`), followed to its end. */
      const attempt = (resources: Resources, adoptId: string | undefined) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            // Submitting is uninterruptible so that a job id never goes unrecorded or uncancelled.
            if (adoptId === undefined && hooks.beforeStart !== undefined) yield* hooks.beforeStart
            const jobId = adoptId ?? (yield* submit(resources, restore))
            if (adoptId !== undefined) yield* log(`adopting slurm job ${adoptId}`)
            yield* hooks.onSubmitted({ executor: "slurm", id: jobId })
            return yield* restore(waitFor(jobId, adoptId !== undefined)).pipe(Effect.onInterrupt(() => cancel(jobId)))
          })
        )

      const loop = (resources: Resources, n: number, adoptId: string | undefined): Effect.Effect<JobResult, SlurmExecutorError, ChildProcessSpawner.ChildProcessSpawner> =>
        attempt(resources, adoptId).pipe(
          Effect.catchTag("SlurmJobFailed", (error) => {
            const next = n < (options.retry?.max ?? 0) ? escalate(error.state, resources, options.retry) : undefined
            if (next === undefined) return Effect.fail(error)
            return log(`${error.message}; retrying with mem=${next.mem ?? "-"} time=${next.time ?? "-"}`).pipe(
              Effect.andThen(loop(next, n + 1, undefined))
            )
          })
        )

      /**
       * A job of ours for this task whose id nobody recorded (revo died between sbatch and
       * onSubmitted): same user, same job name (from the task key), same work dir; the newest
       * one, if no revo settled it. Finished ones count too: a job that ended while revo was
       * down is collected, not run again. (Once the controller forgets a job, it is not found.)
       */
      const findUnrecordedJob = Effect.gen(function*() {
        const res = yield* cli("squeue", ["-h", "--me", "-t", "all", "-n", jobName(namePrefix, job.taskKey), "-o", "%i %Z"])
        if (res.exitCode !== 0) return undefined
        const cwd = NodePath.resolve(job.cwd)
        const ids = res.stdout.split("\n").flatMap((line) => {
          const [id, ...dir] = line.trim().split(" ")
          return id !== undefined && /^[0-9]+$/.test(id) && dir.join(" ") === cwd ? [Number(id)] : []
        })
        if (ids.length === 0) return undefined
        const newest = String(Math.max(...ids))
        const settled = (yield* hasMarker(cwd, newest, "collected")) || (yield* hasMarker(cwd, newest, "cancelled"))
        return settled ? undefined : newest
      })

      /** A job revo tried to cancel may have finished first; then its work is done and is collected. */
      const completedAnyway = (jobId: string) =>
        query("scontrol", ["show", "job", "-o", jobId], jobId).pipe(
          Effect.map((q) => q.known && jobInfoFromScontrol(q.stdout)?.state === "COMPLETED")
        )

      let adoptId: string | undefined
      if (adopt !== undefined) {
        if (adopt.executor !== "slurm" || !/^[0-9]+(_[0-9]+)?$/.test(adopt.id)) {
          yield* log(`cannot adopt ${adopt.executor} job ${adopt.id} with the slurm executor`)
        } else if ((yield* hasMarker(job.cwd, adopt.id, "cancelled")) && !(yield* completedAnyway(adopt.id))) {
          // An interrupted revo cancelled it: its CANCELLED is not the task's outcome.
          yield* log(`slurm job ${adopt.id} was cancelled by an interrupted revo; submitting again`)
        } else adoptId = adopt.id
      }
      if (adoptId === undefined) {
        adoptId = yield* findUnrecordedJob
        if (adoptId !== undefined) yield* log(`found slurm job ${adoptId} for this task (its id was never recorded)`)
      }
      return yield* loop(mergeResources(defaults, job.resources), 0, adoptId)
    })

  return { kind: "slurm", run }
}
