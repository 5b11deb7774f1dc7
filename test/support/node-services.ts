/**
 * Running effects in tests with Node's services (process spawner, file system, path), as the
 * CLI provides them once (src/cli/main.ts): executors and process plugins take them from context.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import type { ExecutorEnv } from "../../src/backends/executors/types.ts"

export const runNode = <A, E>(eff: Effect.Effect<A, E, ExecutorEnv>): Promise<A> => Effect.runPromise(eff.pipe(Effect.provide(NodeServices.layer)))

export const runNodeExit = <A, E>(eff: Effect.Effect<A, E, ExecutorEnv>) => Effect.runPromiseExit(eff.pipe(Effect.provide(NodeServices.layer)))

export const forkNode = <A, E>(eff: Effect.Effect<A, E, ExecutorEnv>) => Effect.runFork(eff.pipe(Effect.provide(NodeServices.layer)))
