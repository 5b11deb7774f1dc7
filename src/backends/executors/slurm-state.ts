/** Reading what the controller says about a job (squeue, scontrol -o). Pure functions. */

/** States after which the job will not change any more. */
const TERMINAL = new Set([
  "COMPLETED", "FAILED", "TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"
])

export const isTerminal = (state: string): boolean => TERMINAL.has(state)

/** squeue may print "CANCELLED by 0"; the state is the first word. */
export const normaliseState = (s: string): string => s.trim().split(/\s+/)[0]?.toUpperCase() ?? ""

/**
 * `scontrol show job -o ID` prints `Key=Value` pairs separated by spaces on one line; values can
 * contain spaces (Command=, WorkDir=, Reason=), so split only before something that looks like a key.
 */
export const parseScontrolLine = (line: string): ReadonlyMap<string, string> => {
  const fields = new Map<string, string>()
  for (const part of line.trim().split(/ (?=[A-Za-z][A-Za-z0-9_:/]*=)/)) {
    const eq = part.indexOf("=")
    if (eq > 0 && !fields.has(part.slice(0, eq))) fields.set(part.slice(0, eq), part.slice(eq + 1).trim())
  }
  return fields
}

export interface JobInfo {
  readonly state: string
  readonly exitCode: number
  readonly signal: number
  readonly runTime: string
  readonly reason: string | undefined
  readonly jobName: string | undefined
}

export const jobInfoFromScontrol = (output: string): JobInfo | undefined => {
  const line = output.split("\n").find((l) => l.includes("JobState="))
  if (line === undefined) return undefined
  const f = parseScontrolLine(line)
  const [code, signal] = (f.get("ExitCode") ?? "0:0").split(":").map(Number)
  const reason = f.get("Reason")
  return {
    state: normaliseState(f.get("JobState") ?? ""),
    exitCode: Number.isFinite(code) ? code! : 0,
    signal: Number.isFinite(signal) ? signal! : 0,
    runTime: f.get("RunTime") ?? "",
    reason: reason === undefined || reason === "None" ? undefined : reason,
    jobName: f.get("JobName")
  }
}

/** "Invalid job id specified": the controller does not (or no longer) know the job. */
export const isUnknownJob = (stderr: string): boolean => /invalid job id/i.test(stderr)

/**
 * sbatch errors after which the job was certainly not accepted and trying again is worthwhile.
 * A socket timeout is left out on purpose: the job may have been queued, and a retry would
 * submit it twice.
 */
export const isTransientSubmitError = (stderr: string): boolean =>
  /unable to contact slurm controller|temporarily unable to accept|resource temporarily unavailable|connection refused|try again|slurmctld.*(down|not responding)/i.test(stderr)
