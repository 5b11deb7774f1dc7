/**
 * `revo validate <spec> [--no-data]`: the spec's own checks, then (unless --no-data) the data
 * check: the first records of every source and join are read, and each field path, join key and
 * `on` path that matches none of them is reported at the spec's line:col, with a did-you-mean.
 */
import { Console, Effect, Option } from "effect"
import { checkData } from "../data/check.ts"
import { SpecError } from "../spec/errors.ts"
import { hubOptions, loadSpec, specLocator } from "../spec/load.ts"

export const runValidate = (args: { spec: string; set: ReadonlyArray<string>; dataRoot: Option.Option<string>; noData?: boolean }) =>
  Effect.gen(function*() {
    const loaded = yield* loadSpec(args.spec, { set: args.set, ...(Option.isSome(args.dataRoot) ? { dataRoot: args.dataRoot.value } : {}) })
    const s = loaded.spec
    let checked = "data not checked (--no-data)"
    if (args.noData !== true) {
      const { problems: found, skipped } = yield* checkData(s.datasets, { dataRoot: loaded.dataRoot, hub: hubOptions(loaded) })
      if (found.length > 0) {
        const locate = specLocator(loaded.file)
        return yield* new SpecError({
          file: args.spec,
          problems: found.map((p) => ({ ...locate(p.path), path: p.path.map(String).join("."), message: p.message }))
            .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0))
        })
      }
      checked = skipped.length === 0
        ? "data checked (the first records of every source and join)"
        : `data checked except ${skipped.join(", ")} (hf:// files not downloaded yet; \`revo inspect\` downloads and checks them)`
    }
    yield* Console.log(
      `${args.spec}: ok — experiment "${s.name}", ${Object.keys(s.datasets).length} datasets (${Object.keys(s.datasets).sort().join(", ")}), ` +
        `backend ${s.backend.plugin} on ${s.backend.executor.kind}, metrics ${s.metrics.join(", ")}; ${checked}\nspec sha256 ${loaded.hash}`
    )
  })
