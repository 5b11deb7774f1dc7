/**
 * `revo validate <spec> [--no-data]`: the spec's own checks, then (unless --no-data) the data
 * check: the first records of every source and join are read, and each field path, join key and
 * `on` path that matches none of them is reported at the spec's line:col, with a did-you-mean.
 */
import { dirname } from "node:path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { inputsLabel, isDemo } from "../backends/contract.ts"
import { locatePlugin, readManifestSync } from "../backends/registry.ts"
import { backendCheck } from "../backends/spec-check.ts"
import { checkData, type DataProblem } from "../data/check.ts"
import { SpecError, formatProblem } from "../spec/errors.ts"
import { hubFiles } from "../hub/source.ts"
import { hubOptions, loadSpec, specPositions, type LoadedSpec } from "../spec/load.ts"
import { splitProblems } from "../plan/split-check.ts"

/**
 * The data check of a loaded spec: problems fail as a SpecError located at the spec's line:col
 * (exit 2); warnings come back formatted the same way. Also run by `revo plan` and `revo run`
 * before any task, so a dataset that would be empty, a join that cannot match, or a split with
 * an empty side stops there (the datasets are loaded from the check's own parse and split).
 */
export const checkSpecData = (loaded: LoadedSpec, shown: string, options: { readonly printWarnings?: boolean; readonly maxFileBytes?: number } = {}) =>
  Effect.gen(function*() {
    const s = loaded.spec
    const checked = yield* checkData(s.datasets, { dataRoot: loaded.dataRoot, remote: hubFiles(hubOptions(loaded)), maxBadFraction: s.split.max_bad_fraction },
      options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes })
    const { warnings, skipped } = checked
    // With every dataset clean, size the split (and the sets drawn from it) from the loads.
    const problems = checked.problems.length > 0 ? checked.problems : yield* splitProblems(s, checked)
    // the spec's text is parsed again for positions only when there is something to locate
    let positions: ReturnType<typeof specPositions> | undefined
    const located = (p: DataProblem) => {
      const { locate, declares } = (positions ??= specPositions(loaded.file))
      const path = p.orElse !== undefined && !declares(p.path) ? p.orElse : p.path
      return { ...locate(path), path: path.map(String).join("."), message: p.message }
    }
    if (options.printWarnings === true) for (const w of warnings) yield* Console.error(`warning: ${formatProblem(shown, located(w))}`)
    if (problems.length > 0) {
      return yield* new SpecError({
        file: shown,
        problems: problems.map(located).sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0))
      })
    }
    // the check itself: its keys, and its parse and loads for a run's load tasks (data/handoff.ts)
    return { skipped, checked }
  })

export const runValidate = (args: { spec: string; set: ReadonlyArray<string>; dataRoot: Option.Option<string>; noData?: boolean }) =>
  Effect.gen(function*() {
    const loaded = yield* loadSpec(args.spec, {
      set: args.set,
      extraChecks: [backendCheck],
      ...(Option.isSome(args.dataRoot) ? { dataRoot: args.dataRoot.value } : {})
    })
    const s = loaded.spec
    let checked = "data not checked (--no-data)"
    if (args.noData !== true) {
      const { skipped } = yield* checkSpecData(loaded, args.spec, { printWarnings: true })
      checked = skipped.length === 0
        ? "data checked (paths, joins and where on every record of every source and join)"
        : `data checked except ${skipped.join(", ")} (hf:// files not downloaded yet; \`revo inspect\` downloads and loads them)`
    }
    yield* Console.log(
      `${args.spec}: ok — experiment "${s.name}", ${Object.keys(s.datasets).length} datasets (${Object.keys(s.datasets).sort().join(", ")}), ` +
        `backend ${backendSummary(s.backend.plugin, dirname(loaded.file), s.backend.executor.kind)} on ${s.backend.executor.kind}, metrics ${s.metrics.join(", ")}; ${checked}\nspec sha256 ${loaded.hash}`
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
