/** Typed failures of the Slurm executor; each message names the job id and the task's label. */
import * as Schema from "effect/Schema"

/** The final scheduler states that end a job without success. */
export const FAILED_STATES = ["FAILED", "TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE"] as const

export class SlurmJobFailed extends Schema.TaggedError<SlurmJobFailed>()("SlurmJobFailed", {
  jobId: Schema.String,
  label: Schema.String,
  /** FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, NODE_FAIL, ... as the controller reports it. */
  state: Schema.String,
  /** The batch script's exit code (the plugin's, for FAILED). */
  exitCode: Schema.Number,
  /** The signal that ended the job, 0 if none (TIMEOUT and CANCELLED usually give 15 or 9). */
  signal: Schema.Number,
  /** Run time as Slurm prints it, e.g. 00:01:26; empty when unknown. */
  elapsed: Schema.String,
  /** The controller's Reason field where it says more than "None". */
  reason: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    const after = this.elapsed === "" ? "" : ` after ${this.elapsed}`
    const code = this.state === "FAILED" ? ` with exit code ${this.exitCode}` : ""
    const reason = this.reason === undefined ? "" : ` (${this.reason})`
    return `slurm job ${this.jobId} (${this.label}) ended ${this.state}${after}${code}${reason}`
  }
}

export class SlurmSubmitFailed extends Schema.TaggedError<SlurmSubmitFailed>()("SlurmSubmitFailed", {
  label: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `slurm: cannot submit ${this.label}: ${this.reason}`
  }
}

/** The controller does not know the job and the job left no status file: the runtime should resubmit. */
export class SlurmJobLost extends Schema.TaggedError<SlurmJobLost>()("SlurmJobLost", {
  jobId: Schema.String,
  label: Schema.String
}) {
  override get message(): string {
    return `slurm job ${this.jobId} (${this.label}) is unknown to the controller and left no status file; submit it again`
  }
}

/** The controller kept failing (or hanging) for longer than the configured patience. */
export class SlurmControllerUnavailable extends Schema.TaggedError<SlurmControllerUnavailable>()("SlurmControllerUnavailable", {
  label: Schema.String,
  jobId: Schema.String,
  command: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `slurm controller unavailable while waiting for job ${this.jobId} (${this.label}): ${this.command}: ${this.reason}`
  }
}

export type SlurmExecutorError = SlurmJobFailed | SlurmSubmitFailed | SlurmJobLost | SlurmControllerUnavailable
