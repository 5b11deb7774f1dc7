/**
 * Slurm resource requests: merging the executor's defaults with a task's resources, turning them
 * into sbatch flags, and scaling memory or time for a retry. Pure functions.
 */
import type { Resources } from "./types.ts"

/** Later sources win, key by key; extra args accumulate. */
export const mergeResources = (base: Resources, override: Resources): Resources => {
  const merged: { -readonly [K in keyof Resources]: Resources[K] } = { ...base }
  for (const [key, value] of Object.entries(override) as Array<[keyof Resources, unknown]>) {
    if (value !== undefined && key !== "extraArgs") (merged as Record<string, unknown>)[key] = value
  }
  const extra = [...(base.extraArgs ?? []), ...(override.extraArgs ?? [])]
  if (extra.length > 0) merged.extraArgs = extra
  else delete merged.extraArgs
  return merged
}

export const resourceArgs = (r: Resources): Array<string> => {
  const args: Array<string> = []
  if (r.partition !== undefined) args.push(`--partition=${r.partition}`)
  if (r.gres !== undefined) args.push(`--gres=${r.gres}`)
  else if (r.gpus !== undefined && r.gpus > 0) args.push(`--gpus=${r.gpus}`)
  if (r.cpus !== undefined) args.push(`--cpus-per-task=${r.cpus}`)
  if (r.mem !== undefined) args.push(`--mem=${r.mem}`)
  if (r.time !== undefined) args.push(`--time=${r.time}`)
  return [...args, ...(r.extraArgs ?? [])]
}

const MEM_UNITS: Readonly<Record<string, number>> = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 }

/** "8G" -> 8192 (MiB); a bare number is MiB, as in sbatch. */
export const parseMemMiB = (mem: string): number | undefined => {
  const m = /^([0-9]+(?:\.[0-9]+)?)([KMGT])?B?$/i.exec(mem.trim())
  if (m === null) return undefined
  return Number(m[1]) * (MEM_UNITS[(m[2] ?? "M").toUpperCase()] ?? 1)
}

export const scaleMem = (mem: string, factor: number): string | undefined => {
  const mib = parseMemMiB(mem)
  return mib === undefined ? undefined : `${Math.ceil(mib * factor)}M`
}

/**
 * Slurm time formats to seconds: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S".
 * ("0:01" is one second, which Slurm rounds up to a minute.)
 */
export const parseTimeSeconds = (time: string): number | undefined => {
  const m = /^(?:([0-9]+)-)?([0-9]+)(?::([0-9]+))?(?::([0-9]+))?$/.exec(time.trim())
  if (m === null) return undefined
  const [days, a, b, c] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? undefined : Number(x)))
  if (days !== undefined) return days * 86400 + (a ?? 0) * 3600 + (b ?? 0) * 60 + (c ?? 0)
  if (c !== undefined) return (a ?? 0) * 3600 + (b ?? 0) * 60 + c
  if (b !== undefined) return (a ?? 0) * 60 + b
  return (a ?? 0) * 60
}

const pad = (n: number): string => String(n).padStart(2, "0")

/** Seconds to "[D-]HH:MM:SS", rounded up to whole minutes (Slurm's granularity). */
export const formatTime = (seconds: number): string => {
  const minutes = Math.max(1, Math.ceil(seconds / 60))
  const d = Math.floor(minutes / 1440)
  const h = Math.floor((minutes % 1440) / 60)
  const hms = `${pad(h)}:${pad(minutes % 60)}:00`
  return d > 0 ? `${d}-${hms}` : hms
}

export const scaleTime = (time: string, factor: number): string | undefined => {
  const s = parseTimeSeconds(time)
  // Round the base up to a minute first: Slurm already did, so "0:01" times 2 is two minutes.
  return s === undefined ? undefined : formatTime(Math.max(60, Math.ceil(s / 60) * 60) * factor)
}

export interface RetryPolicy {
  /** How many extra attempts after the first. */
  readonly max: number
  /** Multiply memory by this after OUT_OF_MEMORY (unset: no OOM retry). */
  readonly memFactor?: number
  /** Multiply the time limit by this after TIMEOUT (unset: no TIMEOUT retry). */
  readonly timeFactor?: number
}

/** The resources for the next attempt, or undefined when this failure is not to be retried. */
export const escalate = (state: string, r: Resources, policy: RetryPolicy | undefined): Resources | undefined => {
  if (policy === undefined) return undefined
  if (state === "OUT_OF_MEMORY" && policy.memFactor !== undefined && r.mem !== undefined) {
    const mem = scaleMem(r.mem, policy.memFactor)
    return mem === undefined ? undefined : { ...r, mem }
  }
  if (state === "TIMEOUT" && policy.timeFactor !== undefined && r.time !== undefined) {
    const time = scaleTime(r.time, policy.timeFactor)
    return time === undefined ? undefined : { ...r, time }
  }
  return undefined
}
