/**
 * The proof's comparisons (REVO-LION against the union of all train data and against a random
 * subset of the same size) and the one plain sentence that says what each shows.
 * Pure: the same numbers give the same sentence, and a loss is called a loss.
 */
import type { Comparison, ComparisonRow, CrossCell } from "./types.ts"
import { f3, int, pct, signedPct } from "./render-format.ts"

/** Default relative band within which REVO-LION and a control count as a tie. */
export const DEFAULT_TOLERANCE = 0.02

export type VerdictInput = Omit<Comparison, "verdict">

export type Outcome = "win" | "tie" | "lose" | "none"

/** win / tie / lose of the subject against the control, by relative difference of the means. */
export const outcome = (c: Pick<VerdictInput, "eval_sets" | "diff" | "rel_diff" | "control_mean" | "tolerance">): Outcome => {
  if (c.eval_sets.length === 0) return "none"
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
