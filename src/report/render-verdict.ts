/**
 * The proof's comparisons (REVO-LION against the union of all train data and against a random
 * subset of the same size) and the one plain sentence that says what each shows.
 * Pure: the same numbers give the same sentence, and a loss is called a loss.
 */
import type { BootstrapResult, Comparison, ComparisonRow, CrossCell } from "./types.ts"
import { f3, int, pct, signedPct } from "./render-format.ts"

/** Default relative band within which REVO-LION and a control count as a tie. */
export const DEFAULT_TOLERANCE = 0.02

export type VerdictInput = Omit<Comparison, "verdict">

export type Outcome = "win" | "tie" | "lose" | "inconclusive" | "none"

const FROM_INTERVAL = { beats: "win", matches: "tie", "falls short": "lose", inconclusive: "inconclusive" } as const

/**
 * win / tie / lose of the subject against the control: from the bootstrap interval's verdict when
 * the comparison has one (the proof's), else by the relative difference of the means.
 */
export const outcome = (c: Pick<VerdictInput, "eval_sets" | "diff" | "rel_diff" | "control_mean" | "tolerance" | "outcome">): Outcome => {
  if (c.eval_sets.length === 0) return "none"
  if (c.outcome !== undefined) return FROM_INTERVAL[c.outcome]
  // with a zero control mean the relative difference is meaningless; the sign of diff decides
  const rel = c.control_mean === 0 ? (c.diff === 0 ? 0 : Math.sign(c.diff) * Infinity) : c.rel_diff
  if (Math.abs(rel) <= c.tolerance) return "tie"
  return rel > 0 ? "win" : "lose"
}

/** "2%" for 0.02, "2.5%" for 0.025: the tolerance as the user would have written it. */
const tolText = (t: number): string => `${String(Number((t * 100).toFixed(2)))}%`

const samples = (n: number): string => `${int(n)} sample${n === 1 ? "" : "s"}`

/**
 * One sentence stating what the numbers show, e.g.
 * "REVO-LION (1,234 samples, 50.0% of all train data) scores 0.182 mean MQ over 12 eval sets against
 * 0.179 for the union of all train data (2,468 samples): it matches the union within 2% (+1.7%;
 * higher on 7 of 12)."
 */
export const verdictSentence = (c: VerdictInput): string => {
  const isUnion = c.control === "union"
  const share = c.union_train_size > 0 ? `, ${pct(c.subject_train_size / c.union_train_size)} of all train data` : ""
  const subj = `REVO-LION (${samples(c.subject_train_size)}${share})`
  const ctrlName = isUnion
    ? "the union of all train data"
    : c.control_train_size === c.subject_train_size
      ? "a random subset of the same size"
      : "a random subset"
  const short = isUnion ? "the union" : "the random subset"
  const n = c.eval_sets.length
  const o = outcome(c)
  if (o === "inconclusive") throw new Error("verdictSentence: an interval verdict is worded by intervalSentence")
  if (o === "none") {
    return `${subj} and ${ctrlName} (${samples(c.control_train_size)}) have no eval set scored for both, so the data show nothing yet.`
  }
  const head = `${subj} scores ${f3(c.subject_mean)} mean MQ over ${n} eval set${n === 1 ? "" : "s"} ` +
    `against ${f3(c.control_mean)} for ${ctrlName} (${samples(c.control_train_size)})`
  const by = c.control_mean === 0 ? `${f3(Math.abs(c.diff))} MQ` : pct(Math.abs(c.rel_diff))
  switch (o) {
    case "tie":
      return `${head}: it matches ${short} within ${tolText(c.tolerance)} (${signedPct(c.rel_diff)}; higher on ${c.wins} of ${n}).`
    case "win":
      return `${head}: it beats ${short} by ${by} (higher on ${c.wins} of ${n}).`
    case "lose":
      return `${head}: it falls short of ${short} by ${by} (lower on ${c.losses} of ${n}).`
  }
}

export interface ComparisonInput {
  readonly control: "union" | "random"
  /** tune set -> eval set -> cell (report.cross) */
  readonly cross: Readonly<Record<string, Readonly<Record<string, CrossCell>>>>
  /** eval sets to compare on, in display order; those lacking either cell are left out */
  readonly evalSets: ReadonlyArray<string>
  readonly subjectTrainSize: number
  readonly controlTrainSize: number
  readonly unionTrainSize: number
  readonly tolerance?: number
}

/** Build a Comparison (with its verdict) from the MQ matrix, so every field is derived one way. */
export const buildComparison = (inp: ComparisonInput): Comparison => {
  const subjRow = inp.cross["revo-lion"] ?? {}
  const ctrlRow = inp.cross[inp.control] ?? {}
  const evalSets: Array<string> = []
  const perEval: Record<string, ComparisonRow> = {}
  let sSum = 0
  let cSum = 0
  let wins = 0
  let losses = 0
  for (const e of inp.evalSets) {
    const s = subjRow[e]
    const c = ctrlRow[e]
    if (s === undefined || c === undefined) continue
    evalSets.push(e)
    perEval[e] = { subject: s.mq, control: c.mq, diff: s.mq - c.mq }
    sSum += s.mq
    cSum += c.mq
    if (s.mq > c.mq) wins++
    else if (s.mq < c.mq) losses++
  }
  const n = evalSets.length
  const subjectMean = n > 0 ? sSum / n : 0
  const controlMean = n > 0 ? cSum / n : 0
  const diff = subjectMean - controlMean
  const base: VerdictInput = {
    subject: "revo-lion",
    control: inp.control,
    subject_train_size: inp.subjectTrainSize,
    control_train_size: inp.controlTrainSize,
    union_train_size: inp.unionTrainSize,
    eval_sets: evalSets,
    per_eval: perEval,
    subject_mean: subjectMean,
    control_mean: controlMean,
    diff,
    rel_diff: controlMean !== 0 ? diff / controlMean : 0,
    wins,
    losses,
    tolerance: inp.tolerance ?? DEFAULT_TOLERANCE
  }
  return { ...base, verdict: verdictSentence(base) }
}

const signedPct1 = (x: number): string => `${x >= 0 ? "+" : "\u2212"}${(Math.abs(x) * 100).toFixed(1)}%`
const intervalText = (lo: number, hi: number): string => `[${signedPct1(lo)}, ${signedPct1(hi)}]`

export interface ProofComparisonInput {
  readonly control: "union" | "random"
  readonly result: BootstrapResult
  readonly subjectTrainSize: number
  readonly controlTrainSize: number
  readonly unionTrainSize: number
  readonly margin: number
  readonly resamples: number
  readonly statistic: string
  /** random only: how many seeds the control averages */
  readonly seeds?: number
}

/**
 * The headline comparison from the proof's bootstrap: the macro mean over the datasets' own eval
 * splits decides, the item-weighted mean is stated beside it, and the verdict is the one the 95%
 * interval supports (never a point estimate inside a band narrower than the noise).
 */
export const comparisonFromProof = (inp: ProofComparisonInput): Comparison => {
  const m = inp.result.macro
  const w = inp.result.weighted
  const evalSets = Object.keys(inp.result.per_eval)
  const perEval: Record<string, ComparisonRow> = Object.fromEntries(evalSets.map((e) => {
    const x = inp.result.per_eval[e]!
    return [e, { subject: x.subject, control: x.control, diff: x.diff }]
  }))
  const wins = evalSets.filter((e) => perEval[e]!.diff > 0).length
  const losses = evalSets.filter((e) => perEval[e]!.diff < 0).length
  const base = {
    subject: "revo-lion" as const,
    control: inp.control,
    subject_train_size: inp.subjectTrainSize,
    control_train_size: inp.controlTrainSize,
    union_train_size: inp.unionTrainSize,
    eval_sets: evalSets,
    per_eval: perEval,
    subject_mean: m?.subject ?? 0,
    control_mean: m?.control ?? 0,
    diff: m?.diff ?? 0,
    rel_diff: m?.rel_diff ?? 0,
    wins,
    losses,
    tolerance: inp.margin,
    statistic: inp.statistic
  }
  if (m === null || w === null) return { ...base, verdict: verdictSentence(base) }
  const share = inp.unionTrainSize > 0 ? `, ${pct(inp.subjectTrainSize / inp.unionTrainSize)} of all train data` : ""
  const ctrl = inp.control === "union"
    ? `the union of all train data (${samples(inp.controlTrainSize)})`
    : `random subsets with the same per-dataset sizes (${inp.seeds ?? 1} seed${inp.seeds === 1 ? "" : "s"}, averaged per item)`
  const short = inp.control === "union" ? "the union" : "random selection"
  const word = m.verdict === "beats" ? `it beats ${short}` : m.verdict === "matches" ? `it matches ${short} within \u00b1${tolText(inp.margin)}`
    : m.verdict === "falls short" ? `it falls short of ${short}` : `inconclusive: the interval crosses 0 and reaches beyond \u00b1${tolText(inp.margin)}, so the data cannot tell`
  const verdict = `On the datasets' own ${evalSets.length} eval splits, REVO-LION (${samples(inp.subjectTrainSize)}${share}) scores ` +
    `${f3(m.subject)} against ${f3(m.control)} for ${ctrl} (macro mean sample MQ): ${signedPct1(m.rel_diff)}, ` +
    `95% interval ${intervalText(m.rel_lo, m.rel_hi)} over ${int(inp.resamples)} paired bootstrap resamples of ${int(m.items)} items; ${word}. ` +
    `Item-weighted: ${signedPct1(w.rel_diff)} ${intervalText(w.rel_lo, w.rel_hi)} (${w.verdict}).`
  return { ...base, outcome: m.verdict, rel_lo: m.rel_lo, rel_hi: m.rel_hi, verdict }
}

export { intervalText, signedPct1 }
