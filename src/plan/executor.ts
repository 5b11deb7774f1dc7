/** The executor the spec asks for: local (default) or Slurm, built once per run. */
import { localExecutor, makeLocalExecutor } from "../backends/executors/local.ts"
import { makeSlurmExecutor } from "../backends/executors/slurm.ts"
import type { Executor } from "../backends/executors/types.ts"
import type { Spec } from "../spec/schema.ts"

const cache = new WeakMap<object, Executor<unknown>>()

export const executorFor = (spec: Spec): Executor<unknown> => {
  const ex = spec.backend.executor
  const hit = cache.get(ex)
  if (hit) return hit
  const made: Executor<unknown> = ex.kind === "local"
    ? (ex.retry === undefined ? localExecutor : makeLocalExecutor({ retry: { max: ex.retry.max, timeFactor: ex.retry.time_factor } }))
    : makeSlurmExecutor({
      ...(ex.partition !== undefined ? { partition: ex.partition } : {}),
      ...(ex.gres !== undefined ? { gres: ex.gres } : {}),
      ...(ex.cpus !== undefined ? { cpus: ex.cpus } : {}),
      ...(ex.mem !== undefined ? { mem: ex.mem } : {}),
      ...(ex.time !== undefined ? { time: ex.time } : {}),
      ...(ex.extra_args.length > 0 ? { extraArgs: ex.extra_args } : {}),
      ...(ex.retry ? { retry: { max: ex.retry.max, memFactor: ex.retry.mem_factor, timeFactor: ex.retry.time_factor } } : {})
    })
  cache.set(ex, made)
  return made
}
