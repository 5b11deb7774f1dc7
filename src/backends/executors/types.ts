/**
 * The executor contract: where a process plugin's command runs (DESIGN.md section 5).
 * `local` spawns it here; `slurm` submits it with sbatch. The runtime does not care which.
 */
import type { Effect } from "effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"
import type { ChildProcessSpawner } from "effect/process"
import type { LocalExecutorError } from "./local-errors.ts"
import type { SlurmExecutorError } from "./slurm-errors.ts"

/** Resources are never part of a task key: a retry with more memory still hits the cache. */
export interface Resources {
  readonly cpus?: number
  /** e.g. "8G" */
  readonly mem?: string
  /** Slurm time limit, e.g. "02:00:00" */
  readonly time?: string
  readonly gpus?: number
  readonly gres?: string
  readonly partition?: string
  readonly extraArgs?: ReadonlyArray<string>
}

export interface Job {
  /** The task's label, e.g. "tune:okvqa", for messages and job names. */
  readonly label: string
  /** The task key (hex); names the job so a restarted revo can recognise its own jobs. */
  readonly taskKey: string
  /** argv; argv[0] is an absolute path or a name on PATH. */
  readonly command: ReadonlyArray<string>
  /** The task's work dir (one per task key, kept across attempts so plugins can resume). */
  readonly cwd: string
  /** The complete environment the plugin gets: only what the spec grants. */
  readonly env: Readonly<Record<string, string>>
  /** stderr (and executor diagnostics) are appended here. */
  readonly logFile: string
  /** Values to mask wherever the plugin's output is written (granted secret-looking variables). */
  readonly secrets?: ReadonlyArray<string>
  readonly resources: Resources
}

export interface Hooks {
  /** Each line the command writes to stdout (NDJSON events), in order. */
  readonly onStdoutLine: (line: string) => Effect.Effect<void>
  /** A stdout line longer than the executor keeps (its limit in bytes); the line itself is dropped. */
  readonly onOverlongLine?: (limit: number) => Effect.Effect<void>
  /** Called once the job has an id (Slurm job id, or local pid) and before waiting on it. */
  readonly onSubmitted: (handle: JobHandle) => Effect.Effect<void>
  /**
   * When adopting a job an earlier revo process followed, hand on its stdout from the first
   * line instead of from where that process stopped: a new caller that needs every event (the
   * process runner needs the plugin's `result`) must not lose lines the dead process consumed.
   */
  readonly replayOnAdopt?: boolean
  /**
   * Runs right before a new job is started (never when a job is adopted): the place to clear
   * a previous attempt's outputs, which an adopted job may already have rewritten.
   */
  readonly beforeStart?: Effect.Effect<void>
}

export interface JobHandle {
  readonly executor: "local" | "slurm"
  readonly id: string
}

export interface JobResult {
  readonly exitCode: number
  /** Final scheduler state where there is one (COMPLETED, FAILED, ...). */
  readonly state?: string
  readonly handle: JobHandle
}

/**
 * What an executor's run takes from its context: processes (the job, or sbatch and squeue) are
 * spawned by the context's ChildProcessSpawner with its file system. The CLI provides Node's
 * once (NodeServices.layer, src/cli/main.ts); tests provide it the same way.
 */
export type ExecutorEnv = ChildProcessSpawner.ChildProcessSpawner | FileSystem.FileSystem | Path.Path

export interface Executor<E> {
  readonly kind: "local" | "slurm"
  /**
   * Run the job to completion. When `adopt` is given (a handle recorded by an earlier revo
   * process), wait for that job instead of starting a new one, if it is still known.
   * Interruption stops the job (kills the process group, or scancels the Slurm job).
   */
  readonly run: (job: Job, hooks: Hooks, adopt?: JobHandle) => Effect.Effect<JobResult, E, ExecutorEnv>
}

/** Every way an executor's run can fail, told apart by `_tag` (each error's message names the job). */
export type ExecutorError = LocalExecutorError | SlurmExecutorError
