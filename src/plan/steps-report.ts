/**
 * The report task: assembles report.json from the results (every number the pages show), renders
 * report.md and report.html, writes REVO-LION as Parquet and the revo.lock. Its content depends
 * only on the results, so the same spec gives the same bytes.
 */
import { readFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import type { Sample } from "../data/sample.ts"
import { comparisonFromProof } from "../report/render-verdict.ts"
import { renderHtml } from "../report/render-html.ts"
import { renderMarkdown } from "../report/render-md.ts"
import { binCounts } from "../report/svg-dist.ts"
import { BAD_ROWS_FILE, BAD_ROWS_IN_REPORT, decodeReport, type Report } from "../report/types.ts"
import { quantile, summarize } from "../quality/sq.ts"
import type { OutputRef, TaskSpec } from "../runtime/task.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { implementationVersion } from "../util/import-graph.ts"
import { REVOLION_EVAL } from "./names.ts"
import { evalMetricsReport } from "../spec/metric-sets.ts"
import type { PipelineInput } from "./pipeline.ts"
import type { AggregateFile, Cell, ProofAnalysis, SelectionFile, SqFile, SqNotes } from "./steps-quality.ts"
import type { LoadedPlugin } from "../backends/registry.ts"
import { isDemo, pluginInputs } from "../backends/contract.ts"
import { revolionParquet } from "./revolion-parquet.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const REPORT_STEP_VERSION = implementationVersion(import.meta.url)

const revoVersion: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version
const effectVersion: string = JSON.parse(readFileSync(new URL("../../node_modules/effect/package.json", import.meta.url), "utf8")).version

export const toolVersions = (): Record<string, string> => ({ revo: revoVersion, effect: effectVersion, node: process.versions.node })

/** What produced the numbers, for the report's first lines: what the backend's model sees and whether it is a demo (manifest `inputs`, `demo`). */
export const backendOf = (plugin: LoadedPlugin) => ({
  name: plugin.identity.name,
  version: plugin.identity.version,
  kind: plugin.identity.kind,
  inputs: [...pluginInputs(plugin.manifest)],
  demo: isDemo(plugin.manifest),
  description: plugin.manifest.description ?? ""
})

export interface LoadSummary {
  readonly samples: number
  readonly items: number
  readonly bad_rows: { readonly count: number; readonly rows: ReadonlyArray<{ file: string; line?: number; index?: number; reason: string }> }
}

export interface SplitSummary {
  readonly [dataset: string]: { readonly train: number; readonly eval: number; readonly moved_for_leakage: number }
}

export const reportStep = (input: PipelineInput, ids: ReadonlyArray<string>, inputs: Readonly<Record<string, OutputRef>>): TaskSpec => {
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
    inputs,
    resource: "cpu",
    run: (ctx) =>
      Effect.sync(() => {
        const agg = ctx.inputJson<AggregateFile>("aggregate")
        const proof = ctx.inputJson<{ proof_sets: Array<string>; cross: Record<string, Record<string, Cell>>; analysis: ProofAnalysis }>("proof")
        const sq = ctx.inputJson<SqFile>("sq")
        const sqNotes = ctx.inputJson<SqNotes>("sq-notes")
        const selection = ctx.inputJson<SelectionFile>("select")
        const split = ctx.inputJson<SplitSummary>("split")

        const cross: Record<string, Record<string, Cell>> = {}
        for (const t of [...ids, ...proof.proof_sets]) {
          cross[t] = { ...(agg.cross[t] ?? {}), ...(proof.cross[t] ?? {}) }
        }
        const trainSq = Object.fromEntries(ids.map((d) => [d, sq[d]!.train.map((r) => r.sq)]))
        // The shared histogram range spans the 1st to 99th percentile of all SQ values, so a few
        // extreme samples do not squash every distribution into one bin (outliers land in the end bins).
        const all = Object.values(trainSq).flat().sort((a, b) => a - b)
        const lo = all.length ? Math.min(0, quantile(all, 0.01)) : 0
        const hi = all.length ? quantile(all, 0.99) : 1
        const bins = 20
        const unionSize = ids.reduce((n, d) => n + split[d]!.train, 0)
        const revolionTrain = ids.reduce((n, d) => n + selection.train[d]!.length, 0)
        const a = proof.analysis
        const sizeOf = (set: string) => Object.values(selection.sizes[set] ?? {}).reduce((x, y) => x + y, 0)
        const comparison = (control: "union" | "random") => {
          const result = a.headline[control] ?? { per_eval: {}, macro: null, weighted: null }
          return comparisonFromProof({
            control, result,
            subjectTrainSize: revolionTrain,
            controlTrainSize: control === "union" ? unionSize : sizeOf("random"),
            unionTrainSize: unionSize,
            margin: a.margin,
            resamples: a.bootstrap,
            statistic: a.statistic,
            seeds: a.seeds?.sets.length ?? 0
          })
        }
        // report.json keeps each dataset's count and its first rows; bad-rows.jsonl lists them all.
        const loadSummaries = ids.map((d) => [d, ctx.inputJson<LoadSummary>(`load:${d}`)] as const)
        const badRows = Object.fromEntries(loadSummaries.map(([d, s]) => [d, { count: s.bad_rows.count, rows: s.bad_rows.rows.slice(0, BAD_ROWS_IN_REPORT) }]))
        const badRowsFile = loadSummaries.flatMap(([d, s]) => s.bad_rows.rows.map((row) => canonicalJson({ dataset: d, ...row }) + "\n")).join("")
        const nonNull = (r: Record<string, number | null>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null))
        const report: Report = decodeReport(JSON.parse(canonicalJson({
          experiment: spec.name,
          spec_sha256: loaded.hash,
          datasets: ids,
          mq_metrics: agg.mq_metrics,
          eval_metrics: evalMetricsReport(spec, REVOLION_EVAL),
          cross,
          dq: nonNull(agg.dq),
          dq_variants: { normalized: nonNull(agg.dq_variants.normalized), raw: nonNull(agg.dq_variants.raw), with_self: nonNull(agg.dq_variants.with_self) },
          dq_not_best: agg.not_best_in_column,
          dq_interval: Object.fromEntries(Object.entries(agg.dq_interval).filter(([, v]) => v !== null)),
          degenerate: agg.degenerate,
          sq: Object.fromEntries(ids.map((d) => [d, summarize(trainSq[d]!)])),
          sq_hist: { lo, hi: hi > lo ? hi : lo + 1, bins, counts: Object.fromEntries(ids.map((d) => [d, binCounts(trainSq[d]!, lo, hi > lo ? hi : lo + 1, bins)])) },
          sq_notes: sqNotes,
          revolion: {
            budget: spec.select.budget,
            train_size: revolionTrain,
            eval_size: ids.reduce((n, d) => n + selection.eval[d]!.length, 0),
            per_dataset: Object.fromEntries(ids.map((d) => [d, {
              train: selection.train[d]!.length, eval: selection.eval[d]!.length, train_split: split[d]!.train, eval_split: split[d]!.eval
            }])),
            ties: selection.ties
          },
          comparison: { union: comparison("union"), random: comparison("random") },
          proof: a,
          backend: backendOf(plugin),
          provenance: {
            spec_sha256: loaded.hash,
            dataset_keys: Object.fromEntries(ids.map((d) => [d, input.datasetKeys[d]!])),
            plugin: { name: plugin.identity.name, version: plugin.identity.version, code_sha256: plugin.codeHash },
            tools: toolVersions()
          },
          bad_rows: badRows,
          settings: {
            dq: spec.quality.dq,
            sq: spec.quality.sq,
            min_distinct: spec.quality.min_distinct,
            keep_degenerate: spec.quality.keep_degenerate,
            backend: `${plugin.identity.name} ${plugin.identity.version} (${spec.backend.executor.kind})`,
            seed: spec.seed
          }
        })))
        const json = JSON.stringify(JSON.parse(canonicalJson(report)), null, 2) + "\n"
        const trainSamples = ctx.inputJson<ReadonlyArray<Sample>>("train:revo-lion")
        const evalSamples = ctx.inputJson<ReadonlyArray<Sample>>(`eval:${REVOLION_EVAL}`)
        const parquet = revolionParquet(trainSamples, evalSamples, sq)
        return {
          "report.json": json,
          [BAD_ROWS_FILE]: badRowsFile,
          ...(spec.report.formats.includes("md") ? { "report.md": renderMarkdown(report) } : {}),
          ...(spec.report.formats.includes("html") ? { "report.html": renderHtml(report) } : {}),
          "revolion/train.parquet": parquet.train,
          "revolion/eval.parquet": parquet.eval,
          "revolion/sq.parquet": parquet.sq,
          "revo.lock": JSON.stringify(JSON.parse(canonicalJson(lock)), null, 2) + "\n"
        }
      })
  }
}
