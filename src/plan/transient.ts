/**
 * Which plugin failures are worth retrying with backoff: a process that says so by exiting 75
 * (EX_TEMPFAIL from sysexits.h), and scheduler states that describe the machine, not the task
 * (a node that failed, a job preempted). A crash, bad output or a timeout is not retried here
 * (the Slurm executor escalates TIMEOUT and OUT_OF_MEMORY itself when the spec asks).
 */
export const EX_TEMPFAIL = 75

const MACHINE_STATES = new Set(["NODE_FAIL", "PREEMPTED", "BOOT_FAIL"])

export const isTransient = (e: object): boolean => {
  const x = e as { readonly _tag?: unknown; readonly exitCode?: unknown; readonly state?: unknown }
  return x._tag === "PluginExitError" && (x.exitCode === EX_TEMPFAIL || (typeof x.state === "string" && MACHINE_STATES.has(x.state)))
}
