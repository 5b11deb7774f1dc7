/** Shared helpers of the data-layer tests: the real data root and declarations decoded like a spec's. */
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Dataset } from "../../src/spec/dataset.ts"
import { loadSpec, type LoadedSpec } from "../../src/spec/load.ts"

export const DATA_ROOT = fileURLToPath(new URL("../../../shared/data/", import.meta.url))
export const QUICKSTART = fileURLToPath(new URL("../../experiments/quickstart.yaml", import.meta.url))

/** A dataset declaration as the spec loader would decode it (defaults filled in). */
export const decl = (input: unknown): Dataset => Schema.decodeUnknownSync(Dataset)(input, { onExcessProperty: "error" })

export const quickstart = (): Promise<LoadedSpec> =>
  Effect.runPromise(loadSpec(QUICKSTART, { dataRoot: DATA_ROOT }))

export const run = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)

/** The failure of an effect (the test fails if it succeeds). */
export const failure = async <A, E>(e: Effect.Effect<A, E>): Promise<E> => {
  const r = await Effect.runPromise(Effect.flip(e))
  return r
}
