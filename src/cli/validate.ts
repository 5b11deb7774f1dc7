import { Console, Effect, Option } from "effect"
import { loadSpec } from "../spec/load.ts"

export const runValidate = (args: { spec: string; set: ReadonlyArray<string>; dataRoot: Option.Option<string> }) =>
  Effect.gen(function*() {
    const loaded = yield* loadSpec(args.spec, { set: args.set, ...(Option.isSome(args.dataRoot) ? { dataRoot: args.dataRoot.value } : {}) })
    const s = loaded.spec
    yield* Console.log(
      `${args.spec}: ok — experiment "${s.name}", ${Object.keys(s.datasets).length} datasets (${Object.keys(s.datasets).sort().join(", ")}), ` +
        `backend ${s.backend.plugin} on ${s.backend.executor.kind}, metrics ${s.metrics.join(", ")}\nspec sha256 ${loaded.hash}`
    )
  })
