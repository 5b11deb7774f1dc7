/**
 * The batch script and the sbatch command line for one submission. Pure functions.
 *
 * How the environment travels: sbatch runs with a clean environment (the client settings plus
 * exactly `job.env`) and `--export=ALL`, so the values reach the job through Slurm itself and
 * never appear in argv (`ps`) or in a file we write. The script then drops every variable
 * that was not granted, except Slurm's own SLURM_* job context.
 * (`--export=NONE` or `--export=NAMES` would make Slurm load the user's login environment
 * on the node, `SLURM_GET_USER_ENV=1`: slower, and it adds variables nobody granted.)
 */
import * as NodePath from "node:path"
import type { Job, Resources } from "./types.ts"
import { resourceArgs } from "./slurm-resources.ts"

/** The executor's files live beside the plugin's, in one hidden folder of the task's work dir. */
export const slurmDir = (cwd: string): string => NodePath.join(NodePath.resolve(cwd), ".revo-slurm")
export const scriptPath = (cwd: string): string => NodePath.join(slurmDir(cwd), "job.sh")
export const stdoutPath = (cwd: string, jobId: string): string => NodePath.join(slurmDir(cwd), `${jobId}.out`)
export const statusPath = (cwd: string, jobId: string): string => NodePath.join(slurmDir(cwd), `${jobId}.status`)
export const offsetPath = (cwd: string, jobId: string): string => NodePath.join(slurmDir(cwd), `${jobId}.offset`)
/**
 * Settled jobs: `collected` once a revo saw the job end (and took its outcome), `cancelled` when
 * revo cancelled it on interruption. A restarted revo never adopts its own cancelled job, and
 * never takes a settled job for one whose id went unrecorded.
 */
export const markerPath = (cwd: string, jobId: string, marker: "collected" | "cancelled"): string =>
  NodePath.join(slurmDir(cwd), `${jobId}.${marker}`)

/** POSIX single-quote quoting. */
export const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`

/** sbatch expands %j, %x, ... in file names; a literal % must be doubled. */
const escapePercent = (s: string): string => s.replaceAll("%", "%%")

/** Slurm job names: the task key prefix makes revo's jobs recognisable in squeue. */
export const jobName = (prefix: string, taskKey: string): string => `${prefix}${taskKey.slice(0, 16)}`

export const renderScript = (job: Job): string => {
  const cwd = NodePath.resolve(job.cwd)
  const keep = Object.keys(job.env).sort()
  const dir = slurmDir(cwd)
  return [
    "#!/bin/bash",
    `# revo: ${job.label} (task ${job.taskKey}). The environment comes through sbatch --export=ALL;`,
    "# no values are written here. Everything not granted is dropped, except SLURM_* job context.",
    `__revo_keep=${shellQuote(` ${keep.join(" ")} `)}`,
    "for __revo_v in $(compgen -e); do",
    "  case \"$__revo_keep\" in *\" $__revo_v \"*) continue ;; esac",
    "  case \"$__revo_v\" in SLURM_*) continue ;; esac",
    "  unset \"$__revo_v\"",
    "done",
    "unset __revo_keep __revo_v",
    `cd ${shellQuote(cwd)} || exit 97`,
    job.command.map(shellQuote).join(" "),
    "__revo_rc=$?",
    // Lets a later revo learn the outcome without sacct, even after the controller forgot the job.
    `printf '%s\\n' "$__revo_rc" > ${shellQuote(dir)}/"$SLURM_JOB_ID".status`,
    "exit \"$__revo_rc\"",
    ""
  ].join("\n")
}

export const sbatchArgs = (job: Job, resources: Resources, namePrefix: string): Array<string> => {
  const cwd = NodePath.resolve(job.cwd)
  return [
    "--parsable",
    `--job-name=${jobName(namePrefix, job.taskKey)}`,
    "--kill-on-invalid-dep=yes",
    "--export=ALL",
    `--chdir=${cwd}`,
    `--output=${escapePercent(slurmDir(cwd))}/%j.out`,
    `--error=${escapePercent(NodePath.resolve(job.logFile))}`,
    "--open-mode=append",
    ...resourceArgs(resources),
    scriptPath(cwd)
  ]
}

/** Client settings sbatch/squeue may need from revo's own environment (no job-context SLURM_* vars). */
const CLIENT_KEYS = ["PATH", "HOME", "USER", "LOGNAME", "SLURM_CONF", "SLURM_CLUSTERS", "MUNGE_SOCKET"]

export const clientEnv = (from: Readonly<Record<string, string | undefined>>, withSbatch: boolean): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(from)) {
    if (value === undefined) continue
    // SBATCH_* are the user's submission defaults (account, qos); the job script drops them again.
    if (CLIENT_KEYS.includes(key) || (withSbatch && key.startsWith("SBATCH_"))) env[key] = value
  }
  return env
}
