/** Typed failures of the local executor; each message names the task's label and the process. */
import * as Schema from "effect/Schema"

export class LocalSpawnFailed extends Schema.TaggedError<LocalSpawnFailed>()("LocalSpawnFailed", {
  label: Schema.String,
  command: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `local job ${this.label}: cannot start ${this.command}: ${this.reason}`
  }
}

export class LocalJobFailed extends Schema.TaggedError<LocalJobFailed>()("LocalJobFailed", {
  label: Schema.String,
  pid: Schema.String,
  /** The exit code, or 128 + signal number when killed by a signal (shell convention). */
  exitCode: Schema.Number,
  signal: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    const how = this.signal === undefined ? `exited with code ${this.exitCode}` : `was killed by ${this.signal}`
    return `local job ${this.label} (pid ${this.pid}) ${how}`
  }
}

/**
 * The job ran past `resources.time` (the spec's backend.resources.time) and its process group
 * was killed. `jobId` and `message` make the task failure quote this message (the path Slurm
 * errors take), so the user sees the limit and where to raise it.
 */
export class LocalJobTimedOut extends Schema.TaggedError<LocalJobTimedOut>()("LocalJobTimedOut", {
  label: Schema.String,
  jobId: Schema.String,
  limit: Schema.String,
  attempts: Schema.Number
}) {
  /** The scheduler-style state, so retry policies treat it like a Slurm TIMEOUT. */
  readonly state = "TIMEOUT"
  override get message(): string {
    return `local job ${this.label} (pid ${this.jobId}) exceeded its time limit of ${this.limit} (backend.resources.time)` +
      `${this.attempts > 1 ? ` after ${this.attempts} attempts with growing limits` : ""}; its process group was killed. ` +
      "Raise backend.resources.time, or let a timeout retry with more time (backend.executor: { kind: local, retry: { max: 1, time_factor: 2 } })"
  }
}

export type LocalExecutorError = LocalSpawnFailed | LocalJobFailed | LocalJobTimedOut
