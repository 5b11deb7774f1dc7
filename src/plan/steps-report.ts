/**
 * The report task: decodes what the upstream tasks wrote and hands it to src/report/build.ts,
 * which assembles report.json, report.md, report.html and REVO-LION as Parquet; the task adds
 * the revo.lock. Its content depends only on the results, so the same spec gives the same bytes.
 */
import { readFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import type { Sample } from "../data/sample.ts"
import type { LoadSummary, SplitSummary } from "../data/outputs.ts"
import type { AggregateFile, ProofFile, SelectionFile, SqFile, SqNotes } from "../quality/outputs.ts"
import type { Output, Outputs, TaskSpec } from "../runtime/task.ts"
import type { LoadedSpec } from "../spec/load.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { implementationVersion } from "../util/import-graph.ts"
import { REVOLION_EVAL } from "./names.ts"
import { evalMetricsReport } from "../spec/metric-sets.ts"
import type { LoadedPlugin } from "../backends/registry.ts"
import { isDemo, pluginInputs } from "../backends/contract.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const REPORT_STEP_VERSION = implementationVersion(import.meta.url)

const revoVersion: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version
const effectVersion: string = JSON.parse(readFileSync(new URL("../../node_modules/effect/package.json", import.meta.url), "utf8")).version

export const toolVersions = (): Record<string, string> => ({ revo: revoVersion, effect: effectVersion, node: process.versions.node })

/** What produced the numbers, for the report's first lines: what the backend's model sees and whether it is a demo (manifest `inputs`, `demo`). */
export const backendOf = (plugin: LoadedPlugin) => ({
  name: plugin.identity.name,
  version: plugin.identity.version,
  inputs: [...pluginInputs(plugin.manifest)],
  demo: isDemo(plugin.manifest)
})

/** What the report task needs besides its inputs: the spec, the plugin, the datasets' keys. */
export interface ReportContext {
  readonly loaded: LoadedSpec
  readonly plugin: LoadedPlugin
  readonly datasetKeys: Readonly<Record<string, string>>
}

/** What the report is built from: the upstream tasks' outputs. */
export interface ReportInputs {
  readonly aggregate: Output<AggregateFile>
  readonly proof: Output<ProofFile>
  readonly sq: Output<SqFile>
  readonly sqNotes: Output<SqNotes>
  readonly selection: Output<SelectionFile>
  readonly split: Output<SplitSummary>
  /** each dataset's load summary */
  readonly loads: Readonly<Record<string, Output<LoadSummary>>>
  readonly revolionTrain: Output<ReadonlyArray<Sample>>
  readonly revolionEval: Output<ReadonlyArray<Sample>>
}

export const reportStep = (input: ReportContext, ids: ReadonlyArray<string>, from: ReportInputs): TaskSpec => {
  const { loaded, plugin } = input
  const spec = loaded.spec
  const lock = {
    experiment: spec.name,
    spec_sha256: loaded.hash,
    datasets: Object.fromEntries(ids.map((d) => [d, { key: input.datasetKeys[d]!, source: spec.datasets[d]!.source.path, license: spec.datasets[d]!.license ?? null }])),
    plugin: { name: plugin.identity.name, version: plugin.identity.version, kind: plugin.identity.kind, code_sha256: plugin.codeHash },
    tools: toolVersions()
  }
  return {
    label: "report",
    kind: "report",
    version: REPORT_STEP_VERSION,
    params: { lock, title: spec.report.title ?? null, formats: spec.report.formats },
    // Input names are what the key hashes with each input's content: spelled here once.
    inputs: {
      aggregate: from.aggregate,
      proof: from.proof,
      sq: from.sq,
      "sq-notes": from.sqNotes,
      select: from.selection,
      split: from.split,
      ...Object.fromEntries(ids.map((d) => [`load:${d}`, from.loads[d]!])),
      "train:revo-lion": from.revolionTrain,
      [`eval:${REVOLION_EVAL}`]: from.revolionEval
    },
    resource: "cpu",
    run: (ctx) =>
      Effect.gen(function*() {
        // Loaded when the report is built, not when the plan is (renderers and Parquet are large).
        const { buildReport } = yield* Effect.promise(() => import("../report/build.ts"))
        const loads: Record<string, LoadSummary> = {}
        for (const d of ids) loads[d] = yield* ctx.read(from.loads[d]!)
        const files = buildReport({
          experiment: spec.name,
          specHash: loaded.hash,
          ids,
          aggregate: yield* ctx.read(from.aggregate),
          proof: yield* ctx.read(from.proof),
          sq: yield* ctx.read(from.sq),
          sqNotes: yield* ctx.read(from.sqNotes),
          selection: yield* ctx.read(from.selection),
          split: yield* ctx.read(from.split),
          loads,
          revolionTrain: yield* ctx.read(from.revolionTrain),
          revolionEval: yield* ctx.read(from.revolionEval),
          evalMetrics: evalMetricsReport(spec, REVOLION_EVAL),
          backend: backendOf(plugin),
          plugin: { name: plugin.identity.name, version: plugin.identity.version, code_sha256: plugin.codeHash },
          datasetKeys: Object.fromEntries(ids.map((d) => [d, input.datasetKeys[d]!])),
          tools: toolVersions(),
          budget: spec.select.budget,
          settings: {
            dq: spec.quality.dq,
            sq: spec.quality.sq,
            min_distinct: spec.quality.min_distinct,
            keep_degenerate: spec.quality.keep_degenerate,
            backend: `${plugin.identity.name} ${plugin.identity.version} (${spec.backend.executor.kind})`,
            seed: spec.seed
          },
          formats: spec.report.formats
        })
        const outputs: Outputs = { ...files, "revo.lock": JSON.stringify(JSON.parse(canonicalJson(lock)), null, 2) + "\n" }
        return outputs
      })
  }
}
