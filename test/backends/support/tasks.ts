/** Helpers for backend tests: temp task dirs and running effects. */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { TaskInfo } from "../../../src/backends/contract.ts"
import type { ExecutorEnv } from "../../../src/backends/executors/types.ts"
import { runNode, runNodeExit } from "../../support/node-services.ts"

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `revo-test-${prefix}-`))

export const taskIn = (root: string, label: string, key = "k" + label.replace(/\W/g, "")): TaskInfo => ({
  label,
  key,
  workDir: join(root, "work", key),
  logFile: join(root, "logs", `${key}.log`)
})

/** Runs with Node's services, as the CLI provides them (executors spawn through them). */
export const run = <A, E>(eff: Effect.Effect<A, E, ExecutorEnv>) => runNode(eff)

/** The typed failure of an effect that must fail (throws if it succeeded or died). */
export const failure = async <A, E>(eff: Effect.Effect<A, E, ExecutorEnv>): Promise<E> => {
  const exit = await runNodeExit(eff)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error)) throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return error.value
}
