/**
 * The local executor: runs a process plugin's command here, as a child in its own process group.
 *
 * - The child gets exactly `job.env` (nothing inherited), `job.cwd`, and no stdin.
 * - stdout lines go to `hooks.onStdoutLine` in order; stderr is appended to `job.logFile`.
 * - A non-zero exit (or death by a signal) fails with `LocalJobFailed`; success returns exit 0.
 * - Interruption sends SIGTERM to the whole group and SIGKILL after `killGrace`.
 * - Adoption: a pid recorded by a revo that died cannot be re-attached (its pipes died with it),
 *   so if that pid is still alive and is ours (a group leader whose cwd is the job's work dir),
 *   its group is killed and the job starts afresh; plugins resume from their own checkpoints.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as Stream from "effect/Stream"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { CappedLog, LineSplitter, type SplitLine } from "./output.ts"
import { parseTimeSeconds, type RetryPolicy } from "./slurm-resources.ts"
import { LocalJobFailed, LocalJobTimedOut, LocalSpawnFailed, type LocalExecutorError } from "./local-errors.ts"
import type { Executor, ExecutorEnv, Hooks, Job, JobHandle, JobResult } from "./types.ts"

export { LocalJobFailed, LocalJobTimedOut, LocalSpawnFailed, type LocalExecutorError }

export interface LocalExecutorOptions {
  /** How long a SIGTERMed job may take to exit before its group gets SIGKILL. Default 10 s. */
  readonly killGrace?: Duration.Input
  /** Rerun a job that ran out of time with its limit multiplied (Slurm's TIMEOUT policy). */
  readonly retry?: Pick<RetryPolicy, "max" | "timeFactor">
}

/**
 * Finds argv[0] on the job's PATH (or revo's, when the job grants none), because the child's
 * environment is exactly what the spec grants and may lack PATH altogether.
 */
export const resolveExecutable = (name: string, env: Readonly<Record<string, string>>): string | undefined => {
  if (name.includes("/")) return NodePath.resolve(name)
  const searchPath = env.PATH ?? process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"
  for (const dir of searchPath.split(":")) {
    if (dir === "") continue
    const candidate = NodePath.join(dir, name)
    try {
      NodeFs.accessSync(candidate, NodeFs.constants.X_OK)
      if (NodeFs.statSync(candidate).isFile()) return candidate
    } catch {
      // not here; keep looking
    }
  }
  return undefined
}

/** Appends one executor diagnostic line to the job's log (best effort: diagnostics never fail a job). */
export const appendDiagnostic = (logFile: string, text: string): Effect.Effect<void> =>
  Effect.sync(() => {
    try {
      NodeFs.mkdirSync(NodePath.dirname(logFile), { recursive: true })
      NodeFs.appendFileSync(logFile, `[revo ${new Date().toISOString()}] ${text}\n`)
    } catch {
      // the log is for humans; a failure to write it must not change the job's outcome
    }
  })

/**
 * The signal that ended the child. The spawner reports it only inside the cause of its error
 * ("... receipt of signal: 'SIGSEGV'"), not in the error's own message, so walk the causes.
 */
const signalOf = (error: unknown): string => {
  let e: unknown = error
  for (let depth = 0; depth < 5 && e !== undefined && e !== null; depth++) {
    const found = /signal: '(\w+)'/.exec(e instanceof Error ? e.message : String(e))?.[1]
    if (found !== undefined) return found
    const next = (e as { cause?: unknown; reason?: unknown }).cause ?? (e as { reason?: unknown }).reason
    e = next
  }
  return "an unknown signal"
}

/** Linux only: is `pid` a live process-group leader running in `cwd`? (How we recognise our own.) */
const isOurLeftover = (pid: number, cwd: string): boolean => {
  const fields = procStat(pid)
  if (fields === undefined || fields[0] === "Z" || Number(fields[2]) !== pid) return false
  try {
    return NodeFs.readlinkSync(`/proc/${pid}/cwd`) === NodeFs.realpathSync(cwd)
  } catch {
    return false
  }
}

/** Fields after the parenthesised command name of /proc/PID/stat: state ppid pgrp ... */
const procStat = (pid: string | number): ReadonlyArray<string> | undefined => {
  try {
    const stat = NodeFs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

/**
 * Does the group still have a live member? Zombies do not count: this sandbox's PID 1 reaps
 * reparented children slowly, and a zombie answers kill(-pgid, 0) although it is already dead.
 */
export const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
  let entries: Array<string>
  try {
    entries = NodeFs.readdirSync("/proc")
  } catch {
    return true // no /proc: trust kill(2)
  }
  return entries.some((entry) => {
    if (!/^[0-9]+$/.test(entry)) return false
    const fields = procStat(entry)
    return fields !== undefined && Number(fields[2]) === pgid && fields[0] !== "Z"
  })
}

/** SIGTERM a process group, then SIGKILL it if it outlives the grace period. */
const killGroup = (pgid: number, grace: Duration.Duration): Effect.Effect<void> =>
  Effect.gen(function*() {
    const signal = (sig: NodeJS.Signals) => Effect.sync(() => {
      try {
        process.kill(-pgid, sig)
      } catch {
        // already gone
      }
    })
    yield* signal("SIGTERM")
    const deadline = Date.now() + Duration.toMillis(grace)
    while (groupAlive(pgid) && Date.now() < deadline) yield* Effect.sleep("50 millis")
    if (groupAlive(pgid)) yield* signal("SIGKILL")
  })

const runLocal = (grace: Duration.Duration) =>
  Effect.fn("LocalExecutor.run")(function*(job: Job, hooks: Hooks, adopt?: JobHandle) {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const [name, ...args] = job.command
    if (name === undefined) {
      return yield* new LocalSpawnFailed({ label: job.label, command: "", reason: "empty command" })
    }

    if (adopt !== undefined) {
      const pid = Number(adopt.id)
      if (adopt.executor === "local" && Number.isInteger(pid) && pid > 1 && isOurLeftover(pid, job.cwd)) {
        yield* appendDiagnostic(job.logFile, `pid ${pid} from an earlier run is still alive; killing its group and starting afresh`)
        yield* killGroup(pid, grace)
      } else {
        yield* appendDiagnostic(job.logFile, `nothing to adopt for ${adopt.executor} job ${adopt.id}; starting afresh`)
      }
    }

    const executable = resolveExecutable(name, job.env)
    if (executable === undefined) {
      return yield* new LocalSpawnFailed({ label: job.label, command: name, reason: "not found on PATH" })
    }
    const spawnFailed = (error: { readonly message: string }) =>
      new LocalSpawnFailed({ label: job.label, command: name, reason: error.message })
    yield* fs.makeDirectory(path.dirname(job.logFile), { recursive: true }).pipe(Effect.mapError(spawnFailed))
    // A local job always starts afresh (see above), so this always runs.
    if (hooks.beforeStart !== undefined) yield* hooks.beforeStart

    const handle = yield* spawner.spawn(ChildProcess.make(executable, args, {
      cwd: job.cwd,
      env: { ...job.env },
      extendEnv: false,
      stdin: "ignore",
      killSignal: "SIGTERM",
      forceKillAfter: grace
    })).pipe(Effect.mapError(spawnFailed))
    const handleId: JobHandle = { executor: "local", id: String(handle.pid) }
    yield* hooks.onSubmitted(handleId)

    // Pipe errors after the child is gone only cut a log short; they must not mask the exit status.
    // Both streams are bounded (see output.ts): a huge line or a flood on stderr costs no memory.
    const lines = new LineSplitter()
    const deliver = (split: ReadonlyArray<SplitLine>) =>
      Effect.forEach(split, (l) =>
        "line" in l ? hooks.onStdoutLine(l.line) : hooks.onOverlongLine?.(l.overlong) ?? Effect.void, { discard: true })
    const stdoutDone = yield* handle.stdout.pipe(
      Stream.runForEach((chunk) => deliver(lines.push(chunk))),
      Effect.andThen(Effect.suspend(() => deliver(lines.end()))),
      Effect.ignore,
      Effect.forkChild
    )
    const log = new CappedLog(job.logFile, job.secrets ?? [])
    const stderrDone = yield* handle.stderr.pipe(
      Stream.runForEach((chunk) => Effect.sync(() => log.write(chunk))),
      Effect.ensuring(Effect.sync(() => log.close())),
      Effect.ignore,
      Effect.forkChild
    )

    const exited = handle.exitCode.pipe(
      Effect.map((code): { code: number; signal?: string } => ({ code })),
      Effect.catch((error) => {
        const signal = signalOf(error)
        return Effect.succeed({ code: 128 + (NodeOs.constants.signals[signal as NodeJS.Signals] ?? 0), signal })
      })
    )
    // backend.resources.time bounds the job here as sbatch --time does on Slurm: a hung plugin
    // must not hang the run. The whole process group goes, not just the leader.
    const limitSeconds = job.resources.time === undefined ? undefined : parseTimeSeconds(job.resources.time)
    const waited = limitSeconds === undefined ? Effect.map(exited, (e) => ({ ...e, timedOut: false })) : exited.pipe(
      Effect.map((e) => ({ ...e, timedOut: false })),
      Effect.timeoutOption(Duration.seconds(limitSeconds)),
      Effect.flatMap((o) => o._tag === "Some" ? Effect.succeed(o.value) : killGroup(handle.pid, grace).pipe(Effect.as({ code: 124, timedOut: true })))
    )
    const exit: { code: number; signal?: string; timedOut: boolean } = yield* waited
    // Descendants that outlive the leader would hold the pipes open; end them so both streams finish.
    yield* Effect.ignore(handle.kill({ killSignal: "SIGTERM", forceKillAfter: grace }))
    yield* Fiber.joinAll([stdoutDone, stderrDone])

    if (exit.timedOut) {
      yield* appendDiagnostic(job.logFile, `time limit ${job.resources.time} reached: killed process group ${handleId.id}`)
      return yield* new LocalJobTimedOut({ label: job.label, jobId: handleId.id, limit: job.resources.time ?? "", attempts: 1 })
    }
    if (exit.code !== 0 || exit.signal !== undefined) {
      return yield* new LocalJobFailed({
        label: job.label,
        pid: handleId.id,
        exitCode: exit.code,
        ...(exit.signal === undefined ? {} : { signal: exit.signal })
      })
    }
    return { exitCode: 0, handle: handleId } satisfies JobResult
  }, Effect.scoped)

/**
 * The time limit times `factor`, to the second (Slurm rounds to minutes; a local limit need not).
 * Printed as H:MM:SS, a Slurm time format, so the same spec value works on both executors.
 */
const scaledTime = (r: Job["resources"], factor: number | undefined) => {
  const seconds = r.time === undefined ? undefined : parseTimeSeconds(r.time)
  if (seconds === undefined || factor === undefined) return undefined
  const t = Math.ceil(seconds * factor)
  const pad = (n: number) => String(n).padStart(2, "0")
  return { ...r, time: `${Math.floor(t / 3600)}:${pad(Math.floor((t % 3600) / 60))}:${pad(t % 60)}` }
}

export const makeLocalExecutor = (options: LocalExecutorOptions = {}): Executor<LocalExecutorError> => {
  const grace = Duration.fromInputUnsafe(options.killGrace ?? "10 seconds")
  const once = runLocal(grace)
  const policy: RetryPolicy | undefined = options.retry === undefined ? undefined : { max: options.retry.max, ...(options.retry.timeFactor === undefined ? {} : { timeFactor: options.retry.timeFactor }) }
  /** Like the Slurm executor: a timeout is retried with time x timeFactor, up to `max` more attempts. */
  const loop = (job: Job, hooks: Hooks, adopt: JobHandle | undefined, n: number): Effect.Effect<JobResult, LocalExecutorError, ExecutorEnv> =>
    once(job, hooks, adopt).pipe(
      Effect.catchTag("LocalJobTimedOut", (error) => {
        const next = n < (policy?.max ?? 0) ? scaledTime(job.resources, policy?.timeFactor) : undefined
        if (next === undefined) return Effect.fail(n === 0 ? error : new LocalJobTimedOut({ label: error.label, jobId: error.jobId, limit: error.limit, attempts: n + 1 }))
        return appendDiagnostic(job.logFile, `${error.message.split(";")[0]}; retrying with time=${next.time}`).pipe(
          Effect.andThen(loop({ ...job, resources: next }, hooks, undefined, n + 1))
        )
      })
    )
  return { kind: "local", run: (job, hooks, adopt) => loop(job, hooks, adopt, 0) }
}

export const localExecutor: Executor<LocalExecutorError> = makeLocalExecutor()
