/** Helpers for backend tests: temp task dirs and running effects. */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { TaskInfo } from "../../../src/backends/contract.ts"

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `revo-test-${prefix}-`))

export const taskIn = (root: string, label: string, key = "k" + label.replace(/\W/g, "")): TaskInfo => ({
  label,
  key,
  workDir: join(root, "work", key),
  logFile: join(root, "logs", `${key}.log`)
})

export const run = <A, E>(eff: Effect.Effect<A, E>) => Effect.runPromise(eff)

/** The typed failure of an effect that must fail (throws if it succeeded or died). */
export const failure = async <A, E>(eff: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromiseExit(eff)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const r = exit.cause.reasons[0]
  if (r === undefined || r._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return r.error
}
