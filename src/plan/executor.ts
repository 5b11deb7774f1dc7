/** The executor the spec asks for: local (default) or Slurm, built once per run. */
import * as Context from "effect/Context"
import { localExecutor, makeLocalExecutor } from "../backends/executors/local.ts"
import { makeSlurmExecutor, slurmOptionsFromSpec } from "../backends/executors/slurm.ts"
import type { Executor, ExecutorError } from "../backends/executors/types.ts"
import type { Spec } from "../spec/schema.ts"

const cache = new WeakMap<object, Executor<ExecutorError>>()

export const executorFor = (spec: Spec): Executor<ExecutorError> => {
  const ex = spec.backend.executor
  const hit = cache.get(ex)
  if (hit) return hit
  const made: Executor<ExecutorError> = ex.kind === "local"
    ? (ex.retry === undefined ? localExecutor : makeLocalExecutor({ retry: { max: ex.retry.max, timeFactor: ex.retry.time_factor } }))
    : makeSlurmExecutor(slurmOptionsFromSpec(ex))
  cache.set(ex, made)
  return made
}

/**
 * Where the tune and predict tasks' process plugins run, taken from the context: by default the
 * executor the spec asks for (executorFor); a test provides its own (a scripted executor) with
 * Effect.provideService(Executors, …) and the runner, steps and plugins are the product's.
 */
export const Executors = Context.Reference<{ readonly forSpec: (spec: Spec) => Executor<ExecutorError> }>("revo/plan/Executors", {
  defaultValue: () => ({ forSpec: executorFor })
})
