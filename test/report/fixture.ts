/**
 * LAYOUT FIXTURE, NOT A RESULT. A report.json-shaped object for the 11 real dataset ids listed in
 * ../shared/data/INDEX.md, with every number drawn from a seeded PRNG (shaped so in-domain cells
 * are high and the controls differ), so the renderers can be exercised before the pipeline exists.
 * The lead will switch the render tests to the real pipeline output.
 */
import { readFileSync } from "node:fs"
import type { BadRows, CrossCell, Report, SqSummary } from "../../src/report/types.ts"
import { EXTRA_EVAL_SETS } from "../../src/report/types.ts"
import { comparisonFromProof } from "../../src/report/render-verdict.ts"
import { pairedBootstrap, spread } from "../../src/quality/bootstrap.ts"
import { budgetCurvePoint } from "../../src/quality/budget-curve.ts"
import { binCounts } from "../../src/report/svg-dist.ts"
import { mulberry32 } from "../../src/util/prng.ts"

export const INDEX_URL = new URL("../../../shared/data/INDEX.md", import.meta.url)

/** Dataset folder ids from the first table of INDEX.md, in its order. */
export const realDatasetIds = (): ReadonlyArray<string> => {
  const lines = readFileSync(INDEX_URL, "utf8").split("\n")
  const start = lines.findIndex((l) => l.startsWith("| folder |"))
  const ids: Array<string> = []
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith("|")) break
    const id = l.split("|")[1]?.trim()
    if (id !== undefined && id !== "") ids.push(id)
  }
  return ids
}


const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return 0
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export interface FixtureOptions {
  readonly seed?: number
  readonly datasets?: ReadonlyArray<string>
  /** multiply REVO-LION's row, to make it win, tie or lose against the union */
  readonly revolionFactor?: number
  /** drop these [tune, eval] cells, as a failed task would */
  readonly missing?: ReadonlyArray<readonly [string, string]>
}

export const fixtureReport = (opts: FixtureOptions = {}): Report => {
  const rnd = mulberry32(opts.seed ?? 20240611)
  const datasets = opts.datasets ?? realDatasetIds()
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join("")
  const metrics = ["bleu4", "meteor", "rouge_l"] as const

  // per eval set: a base difficulty; per tune set: how well it transfers
  const base = new Map<string, number>()
  for (const d of datasets) base.set(d, 0.12 + rnd() * 0.3)
  const transfer = new Map<string, number>()
  for (const d of datasets) transfer.set(d, 0.35 + rnd() * 0.5)
  transfer.set("union", 0.93)
  transfer.set("revo-lion", 0.93 * (opts.revolionFactor ?? 0.99))
  transfer.set("random", 0.8)
  base.set("revo-lion-eval", 0.2)

  const sizes = new Map<string, { train: number; eval: number }>()
  for (const d of datasets) {
    const n = 90 + Math.floor(rnd() * rnd() * 6000)
    const ev = Math.max(20, Math.floor(n * 0.2))
    sizes.set(d, { train: n - ev, eval: ev })
  }
  const budget = 0.5
  const perDataset: Record<string, { train: number; eval: number; train_split: number; eval_split: number }> = {}
  let rlTrain = 0
  let rlEval = 0
  let unionTrain = 0
  for (const d of datasets) {
    const s = sizes.get(d)!
    const train = Math.ceil(s.train * budget)
    const ev = Math.min(s.eval, 40)
    perDataset[d] = { train, eval: ev, train_split: s.train, eval_split: s.eval }
    rlTrain += train
    rlEval += ev
    unionTrain += s.train
  }

  const tunes = [...datasets, "union", "revo-lion", "random"]
  const evals = [...datasets, ...EXTRA_EVAL_SETS]
  const missing = new Set((opts.missing ?? []).map(([t, e]) => `${t}\u0000${e}`))
  const cross: Record<string, Record<string, CrossCell>> = {}
  for (const t of tunes) {
    const row: Record<string, CrossCell> = {}
    for (const e of evals) {
      if (missing.has(`${t}\u0000${e}`)) continue
      const inDomain = t === e
      const level = base.get(e)! * (inDomain ? 1.25 : transfer.get(t)! * (0.55 + rnd() * 0.45))
      const m = { bleu4: level * (0.35 + rnd() * 0.1), meteor: level * (1.2 + rnd() * 0.1), rouge_l: level * (1.4 + rnd() * 0.1) }
      const mq = metrics.reduce((a, k) => a + m[k], 0) / metrics.length
      const items = e === "revo-lion-eval" ? rlEval : sizes.get(e)!.eval
      row[e] = { mq, items, ...m }
    }
    cross[t] = row
  }

  // DQ as DESIGN.md defines it (normalize: in_domain, include_self: false), over the fixture's matrix
  const dq: Record<string, number> = {}
  for (const t of datasets) {
    const ratios = datasets.filter((e) => e !== t).flatMap((e) => {
      const te = cross[t]?.[e]?.mq
      const ee = cross[e]?.[e]?.mq
      return te !== undefined && ee !== undefined && ee > 0 ? [te / ee] : []
    })
    dq[t] = ratios.length > 0 ? ratios.reduce((a, b) => a + b, 0) / ratios.length : 0
  }

  // SQ: a skewed draw around 1 per train sample
  const sq: Record<string, SqSummary> = {}
  const counts: Record<string, Array<number>> = {}
  const lo = 0
  const hi = 3
  const bins = 30
  for (const d of datasets) {
    const n = sizes.get(d)!.train
    const spread = 0.3 + rnd() * 0.5
    const vals = Array.from({ length: n }, () => Math.max(0, Math.exp((rnd() + rnd() + rnd() - 1.5) * spread * 1.6) - 0.05))
    const sorted = [...vals].sort((a, b) => a - b)
    sq[d] = {
      n,
      mean: vals.reduce((a, b) => a + b, 0) / n,
      p10: quantile(sorted, 0.1),
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9)
    }
    counts[d] = binCounts(vals, lo, hi, bins)
  }

  const badRows: Record<string, BadRows> = {}
  for (const d of datasets) badRows[d] = { count: 0, rows: [] }
  if (datasets.length > 1) {
    badRows[datasets[1]!] = {
      count: 2,
      rows: [
        { file: `${datasets[1]}/data.json`, index: 17, reason: "conversations[1].value is empty" },
        { file: `${datasets[1]}/data.json`, index: 42, reason: 'image field is <script>alert("x")</script> & not a path' }
      ]
    }
  }

  // Per-item values for the proof: an item difficulty shared by every tune set (so the comparison
  // is paired) times the cell's MQ, plus a little noise of each set's own.
  const seedSets = ["random", "random-s1", "random-s2", "random-s3", "random-s4"]
  const budgets = [0.1, 0.25, 0.5, 0.75]
  const difficulty = new Map(evals.map((e) => [e, Array.from({ length: Math.min(150, sizes.get(e)?.eval ?? rlEval) }, () => 0.4 + rnd() * 1.2)]))
  const itemValues = (t: string, e: string): Array<number> => {
    const scale = t.startsWith("random") ? cross["random"]![e]!.mq * (0.96 + rnd() * 0.08)
      : t === "revo-lion-bottom" ? cross["random"]![e]!.mq * 0.9
      : cross[t]![e]!.mq
    return difficulty.get(e)!.map((d) => scale * d * (0.9 + rnd() * 0.2))
  }
  const proofEvals = datasets.filter((e) => cross["revo-lion"]?.[e] !== undefined && cross["union"]?.[e] !== undefined && cross["random"]?.[e] !== undefined)
  const values = new Map<string, Array<number>>()
  for (const t of ["revo-lion", "union", "revo-lion-bottom", ...seedSets]) for (const e of proofEvals) values.set(`${t}@${e}`, itemValues(t, e))
  const paired = (control: (e: string) => Array<number>) =>
    proofEvals.map((e) => ({ name: e, subject: values.get(`revo-lion@${e}`)!, control: control(e) }))
  const seedMean = (e: string) => values.get(`random@${e}`)!.map((_, i) => seedSets.reduce((a, t) => a + values.get(`${t}@${e}`)![i]!, 0) / seedSets.length)
  const headline = {
    union: pairedBootstrap(paired((e) => values.get(`union@${e}`)!), 300, 42, 0.02),
    random: pairedBootstrap(paired(seedMean), 300, 42, 0.02)
  }
  const meansOf = (t: string) => {
    const vs = proofEvals.map((e) => values.get(`${t}@${e}`)!)
    const m = (xs: Array<number>) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
    return { macro: m(vs.map(m)), weighted: m(vs.flat()) }
  }
  const means = Object.fromEntries(["revo-lion", "union", "revo-lion-bottom", ...seedSets].map((t) => [t, meansOf(t)]))
  // Each budget: REVO-LION and its random controls (5 seeds at the main budget, 2 elsewhere) as
  // scaled copies of the union's item values, through the product's own curve arithmetic.
  const scaled = (e: string, f: number) => values.get(`union@${e}`)!.map((v) => v * f * (0.97 + rnd() * 0.06))
  const curve = budgets.map((b) => {
    const seeds = b === 0.5 ? [42, 43, 44, 45, 46] : [42, 43]
    const sets = b === 0.5 ? seedSets : [`random-b${b * 1000}`, `random-b${b * 1000}-s1`]
    return budgetCurvePoint(b, { sets, seeds }, proofEvals.map((e) => ({
      name: e, revolion: scaled(e, 0.8 + 0.25 * b), random: seeds.map(() => scaled(e, 0.75 + 0.25 * b)), union: values.get(`union@${e}`)!
    })), { resamples: 300, seed: 42, margin: 0.02 })
  })
  const reOrder = difficulty.get("revo-lion-eval")!
  const reSubject = reOrder.map((d) => d * cross["revo-lion"]!["revo-lion-eval"]!.mq)
  const reVs = (t: string) => pairedBootstrap([{ name: "revo-lion-eval", subject: reSubject, control: reOrder.map((d) => d * cross[t]!["revo-lion-eval"]!.mq * (0.9 + rnd() * 0.2)) }], 300, 42, 0.02).per_eval["revo-lion-eval"]!
  const degenerate = datasets.length > 2 ? { [`${datasets[0]}@${datasets[2]}`]: { items: 40, distinct: 1, top_answer: "A man riding a horse.", top_share: 1, reason: "1 distinct answer (< 5)" } } : {}
  const proof = {
    statistic: "mean sample-level MQ over eval items",
    bootstrap: 300,
    margin: 0.02,
    seed: 42,
    eval_sets: proofEvals,
    left_out: {},
    degenerate: {},
    headline,
    means,
    seeds: {
      sets: seedSets, seeds: [42, 43, 44, 45, 46],
      macro: spread(seedSets.map((t) => means[t]!.macro)),
      weighted: spread(seedSets.map((t) => means[t]!.weighted)),
      rel_macro: spread(seedSets.map((t) => means["revo-lion"]!.macro / means[t]!.macro - 1))
    },
    revolion_eval: { union: reVs("union"), random: reVs("random") },
    bottom: pairedBootstrap(paired((e) => values.get(`revo-lion-bottom@${e}`)!), 300, 42, 0.02),
    budget_curve: curve
  }
  const common = { subjectTrainSize: rlTrain, unionTrainSize: unionTrain, margin: 0.02, resamples: 300, statistic: proof.statistic }
  const dataset_keys: Record<string, string> = {}
  for (const d of datasets) dataset_keys[d] = hex(64)

  const specSha = hex(64)
  return {
    experiment: "quickstart (layout fixture)",
    spec_sha256: specSha,
    datasets: [...datasets],
    mq_metrics: [...metrics],
    cross,
    dq,
    sq,
    sq_hist: { lo, hi, bins, counts },
    revolion: { budget, train_size: rlTrain, eval_size: rlEval, per_dataset: perDataset, ties: datasets.length > 0 ? { [datasets[0]!]: { cutoff_sq: 0.5, tied: 12, kept: 5 } } : {} },
    comparison: {
      union: comparisonFromProof({ ...common, control: "union", result: headline.union, controlTrainSize: unionTrain }),
      random: comparisonFromProof({ ...common, control: "random", result: headline.random, controlTrainSize: rlTrain, seeds: seedSets.length })
    },
    proof,
    backend: { name: "retrieval", version: "1.0.0", inputs: ["text"], demo: true },
    degenerate,
    dq_variants: { normalized: dq, raw: dq, with_self: dq },
    dq_not_best: datasets.length > 1 ? { [datasets[1]!]: "union" } : {},
    provenance: {
      spec_sha256: specSha,
      dataset_keys,
      plugin: { name: "retrieval", version: "0.1.0", code_sha256: hex(64) },
      tools: { node: "24.21.0", effect: "4.1.0", revo: "0.1.0" }
    },
    bad_rows: badRows,
    settings: { dq: { normalize: "in_domain", include_self: false }, sq: { normalize: "rank", crossfit: 0 }, min_distinct: 5, keep_degenerate: false, backend: "retrieval", seed: 42 }
  }
}
