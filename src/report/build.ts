/**
 * Assembly of the report from the results: report.json (every number the pages show), report.md
 * and report.html, the bad-rows file and REVO-LION as Parquet. Pure: the report task
 * (src/plan/steps-report.ts) decodes its inputs and hands them here, so the same results give
 * the same bytes.
 */
import type { Sample } from "../data/sample.ts"
import type { LoadSummary, SplitSummary } from "../data/outputs.ts"
import type { AggregateFile, Cell, ProofFile, SelectionFile, SqFile, SqNotes } from "../quality/outputs.ts"
import { quantile, summarize } from "../quality/sq.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { renderHtml } from "./render-html.ts"
import { renderMarkdown } from "./render-md.ts"
import { comparisonFromProof } from "./render-verdict.ts"
import { revolionParquet } from "./revolion-parquet.ts"
import { binCounts } from "./svg-dist.ts"
import { BAD_ROWS_FILE, BAD_ROWS_IN_REPORT, decodeReport, type Report } from "./types.ts"

export type { LoadSummary, ProofFile, SplitSummary }

/** Everything the report is made of: the upstream tasks' outputs and the run's settings. */
export interface ReportInputs {
  readonly experiment: string
  readonly specHash: string
  readonly ids: ReadonlyArray<string>
  readonly aggregate: AggregateFile
  readonly proof: ProofFile
  readonly sq: SqFile
  readonly sqNotes: SqNotes
  readonly selection: SelectionFile
  readonly split: SplitSummary
  readonly loads: Readonly<Record<string, LoadSummary>>
  readonly revolionTrain: ReadonlyArray<Sample>
  readonly revolionEval: ReadonlyArray<Sample>
  readonly evalMetrics: unknown
  readonly backend: unknown
  readonly plugin: { readonly name: string; readonly version: string; readonly code_sha256: string }
  readonly datasetKeys: Readonly<Record<string, string>>
  readonly tools: Readonly<Record<string, string>>
  readonly budget: number
  readonly settings: Readonly<Record<string, unknown>>
  readonly formats: ReadonlyArray<string>
}

/** The report's files, by name under results/<experiment>/ (revo.lock is the report task's own). */
export const buildReport = (inp: ReportInputs): Record<string, string | Uint8Array> => {
  const { ids, sq, sqNotes, selection, split } = inp
  const agg = inp.aggregate
  const proof = inp.proof
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
  const loadSummaries = ids.map((d) => [d, inp.loads[d]!] as const)
  const badRows = Object.fromEntries(loadSummaries.map(([d, s]) => [d, { count: s.bad_rows.count, rows: s.bad_rows.rows.slice(0, BAD_ROWS_IN_REPORT) }]))
  const badRowsFile = loadSummaries.flatMap(([d, s]) => s.bad_rows.rows.map((row) => canonicalJson({ dataset: d, ...row }) + "\n")).join("")
  const nonNull = (r: Record<string, number | null>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null))
  const report: Report = decodeReport(JSON.parse(canonicalJson({
    experiment: inp.experiment,
    spec_sha256: inp.specHash,
    datasets: ids,
    mq_metrics: agg.mq_metrics,
    eval_metrics: inp.evalMetrics,
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
      budget: inp.budget,
      train_size: revolionTrain,
      eval_size: ids.reduce((n, d) => n + selection.eval[d]!.length, 0),
      per_dataset: Object.fromEntries(ids.map((d) => [d, {
        train: selection.train[d]!.length, eval: selection.eval[d]!.length, train_split: split[d]!.train, eval_split: split[d]!.eval
      }])),
      ties: selection.ties
    },
    comparison: { union: comparison("union"), random: comparison("random") },
    proof: a,
    backend: inp.backend,
    provenance: {
      spec_sha256: inp.specHash,
      dataset_keys: inp.datasetKeys,
      plugin: inp.plugin,
      tools: inp.tools
    },
    bad_rows: badRows,
    settings: inp.settings
  })))
  const json = JSON.stringify(JSON.parse(canonicalJson(report)), null, 2) + "\n"
  const parquet = revolionParquet(inp.revolionTrain, inp.revolionEval, sq)
  return {
    "report.json": json,
    [BAD_ROWS_FILE]: badRowsFile,
    ...(inp.formats.includes("md") ? { "report.md": renderMarkdown(report) } : {}),
    ...(inp.formats.includes("html") ? { "report.html": renderHtml(report) } : {}),
    "revolion/train.parquet": parquet.train,
    "revolion/eval.parquet": parquet.eval,
    "revolion/sq.parquet": parquet.sq
  }
}
