import { dirname } from "node:path"
import { Console, Effect, Option } from "effect"
import { inputsLabel, isDemo } from "../backends/contract.ts"
import { locatePlugin, readManifestSync } from "../backends/registry.ts"
import { backendCheck } from "../backends/spec-check.ts"
import { loadSpec } from "../spec/load.ts"

export const runValidate = (args: { spec: string; set: ReadonlyArray<string>; dataRoot: Option.Option<string> }) =>
  Effect.gen(function*() {
    const loaded = yield* loadSpec(args.spec, {
      set: args.set,
      extraChecks: [backendCheck],
      ...(Option.isSome(args.dataRoot) ? { dataRoot: args.dataRoot.value } : {})
    })
    const s = loaded.spec
    yield* Console.log(
      `${args.spec}: ok — experiment "${s.name}", ${Object.keys(s.datasets).length} datasets (${Object.keys(s.datasets).sort().join(", ")}), ` +
        `backend ${backendSummary(s.backend.plugin, dirname(loaded.file), s.backend.executor.kind)} on ${s.backend.executor.kind}, metrics ${s.metrics.join(", ")}\nspec sha256 ${loaded.hash}`
    )
  })

/** "hf-vlm 0.2.0 (sees text+image, params checked)": backendCheck has already read this manifest without error. */
const backendSummary = (ref: string, baseDir: string, executor: "local" | "slurm"): string => {
  const where = locatePlugin(ref, { baseDir })
  if (where._tag === "missing") return ref
  const read = readManifestSync(ref, where.manifestFile)
  if ("error" in read) return ref
  const m = read.manifest
  const form = where._tag === "builtin" && executor !== "local" ? ", built in, run through its process form" : ""
  return `${m.name} ${m.version} (sees ${inputsLabel(m)}${isDemo(m) ? ", demo" : ""}${m.params !== undefined ? ", params checked" : ""}${form})`
}
