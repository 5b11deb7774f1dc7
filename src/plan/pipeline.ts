/**
 * The spec becomes a DAG of typed tasks (DESIGN.md sections 1 and 4):
 *
 *   load:<d> ─┐
 *             ├─ split ─ tune:<d> ─ predict:<t>@<e>.eval ─ score:… ─┬─ aggregate (MQ matrix, DQ) ───────────────┐
 *   load:<e> ─┘        └────────── predict:<t>@<e>.train ─ score:… ─┴─ sq ─ select ─ tune:revo-lion / union /  │
 *                                                                                    random ─ predict ─ score ─ proof ─ report
 *
 * Per-item predictions and per-item scores are separate tasks from aggregation: changing the
 * MQ metric set or the DQ options re-aggregates without predicting; adding a metric scores
 * again without predicting.
 */
import type { LoadedPlugin } from "../backends/registry.ts"
import type { LoadHandoff } from "../data/handoff.ts"
import type { LoadedSpec } from "../spec/load.ts"
import type { Store } from "../runtime/store.ts"
import type { Sample } from "../data/sample.ts"
import type { ScoresFile } from "../quality/outputs.ts"
import type { Output, Step, TaskSpec } from "../runtime/task.ts"
import { loadStep, splitStep } from "./steps-data.ts"
import { type Predictions, predictStep, type TuneOutputs, tuneStep } from "./steps-model.ts"
import { aggregateStep, BOTTOM_SET, curveSets, proofStep, randomSeedSet, selectStep, sqStep } from "./steps-quality.ts"
import { type ScoreMetrics, scoreStep } from "./steps-score.ts"
import { reportStep } from "./steps-report.ts"
import { PROOF_SETS, REVOLION_EVAL } from "./names.ts"
import { evalMetricsPlan } from "../spec/metric-sets.ts"

export interface PipelineInput {
  readonly loaded: LoadedSpec
  readonly plugin: LoadedPlugin
  /** Content key of each dataset's source bytes and declaration (computed before planning). */
  readonly datasetKeys: Readonly<Record<string, string>>
  readonly store: Store
  /** Where models are materialised from the store for predict tasks. */
  readonly modelsDir: string
  /** The data check's parse and loads, for the load tasks of this process (data/handoff.ts). */
  readonly handoff?: LoadHandoff
}

export { PROOF_SETS, REVOLION_EVAL }

export const datasetIds = (loaded: LoadedSpec): Array<string> => Object.keys(loaded.spec.datasets).sort()

/**
 * Every task of the spec, wired by the handles each step returns for its outputs (a consumer
 * never spells a producer's label or output name). Labels are made by the steps themselves.
 */
export const buildPipeline = (input: PipelineInput): Array<TaskSpec> => {
  const { loaded, plugin } = input
  const spec = loaded.spec
  const ids = datasetIds(loaded)
  const tasks: Array<TaskSpec> = []
  const add = <O>(step: Step<O>): O => {
    tasks.push(step)
    return step.out
  }
  // Each eval dataset is judged by its own metrics (datasets.<id>.metrics / .mq); the
  // REVO-LION eval set, which mixes them, per dataset when they differ (steps-score.ts).
  const judged = evalMetricsPlan(spec)
  const metricsOf = (e: string) => judged.of[e]!.metrics
  const mqMetrics = judged.mq
  const tune = (set: string, train: Output<ReadonlyArray<Sample>>) => add(tuneStep(set, plugin, spec, train)).model
  /** A model answers an eval part and its answers are scored: the predictions and the scores. */
  const answerAndScore = (t: string, model: TuneOutputs["model"], part: string, items: Output<ReadonlyArray<Sample>>, metrics: ScoreMetrics) => {
    const predictions = add(predictStep(t, part, plugin, spec, model, items, input.store, input.modelsDir)).predictions
    const scores = add(scoreStep(t, part, metrics, predictions, items)).scores
    return { predictions, scores }
  }

  const loads = Object.fromEntries(ids.map((d) => [d, add(loadStep(d, spec.datasets[d]!, loaded, input.datasetKeys[d]!, input.handoff))] as const))
  const split = add(splitStep(ids, spec, Object.fromEntries(ids.map((d) => [d, loads[d]!.samples]))))

  // Tune on each dataset, then every model answers every eval split (cross) and every other
  // dataset's train split (for SQ).
  const models: Record<string, TuneOutputs["model"]> = {}
  const sqScores = { train: {} as Record<string, Output<ScoresFile>>, eval: {} as Record<string, Output<ScoresFile>>, crossfit: {} as Record<string, Array<Output<ScoresFile>>>, self: {} as Record<string, Output<ScoresFile>> }
  const crossPredictions: Record<string, Output<Predictions>> = {}
  for (const t of ids) {
    models[t] = tune(t, split.train(t))
    for (const e of ids) {
      for (const part of t === e ? (["eval"] as const) : (["eval", "train"] as const)) {
        const r = answerAndScore(t, models[t]!, `${e}.${part}`, split[part](e), metricsOf(e))
        sqScores[part][`${t}@${e}`] = r.scores
        if (part === "eval") crossPredictions[`${t}@${e}`] = r.predictions
      }
    }
  }
  // Crossfit: K models per dataset tuned on K-1 folds of its train split answer the held-out
  // fold, so every train sample is also scored by a model of its own dataset that never saw it.
  for (const d of spec.quality.sq.crossfit >= 2 ? ids : []) {
    sqScores.crossfit[d] = []
    for (let f = 0; f < spec.quality.sq.crossfit; f++) {
      const tuneSet = `${d}~fold${f}`
      sqScores.crossfit[d].push(answerAndScore(tuneSet, tune(tuneSet, split.foldTrain(d, f)), `${d}.fold${f}`, split.foldHeldout(d, f), metricsOf(d)).scores)
    }
    sqScores.self[d] = sqScores.eval[`${d}@${d}`]!
  }
  const evalItems = Object.fromEntries(ids.map((d) => [d, split.eval(d)] as const))
  const aggregate = add(aggregateStep(ids, mqMetrics, spec.quality.dq, { min_distinct: spec.quality.min_distinct, keep: spec.quality.keep_degenerate },
    { resamples: spec.select.proof.bootstrap, seed: spec.seed }, sqScores.eval, crossPredictions, evalItems)).cross
  const sq = add(sqStep(ids, mqMetrics, { ...spec.quality.sq, leaveOut: !spec.quality.keep_degenerate }, sqScores, split, aggregate))
  const select = add(selectStep(ids, spec, sq.sq, split))

  // The proof: REVO-LION against the union of all train data and random subsets stratified to its
  // per-dataset sizes (one per seed); the bottom-by-SQ ablation and the budget curve. Only REVO-LION,
  // the union and the first random control also answer the REVO-LION eval set (shown apart).
  const randomSets = Array.from({ length: spec.select.controls.random ? spec.select.controls.seeds : 0 }, (_, i) => randomSeedSet(i))
  const budgets = curveSets(spec)
  const seed0 = spec.select.controls.seed ?? spec.seed
  const sets = { random: randomSets, seeds: randomSets.map((_, i) => seed0 + i), union: spec.select.controls.union, bottom: spec.select.proof.bottom, budgets }
  const mainSets = ["revo-lion", ...(sets.union ? ["union"] : []), ...(randomSets.length > 0 ? ["random"] : [])]
  const extraSets = [...randomSets.slice(1), ...(sets.bottom ? [BOTTOM_SET] : []), ...budgets.flatMap((b) => (b.budget === spec.select.budget ? [] : [b.revolion, ...b.random]))]
  const proofScores: Record<string, Output<ScoresFile>> = {}
  const proofPredictions: Record<string, Output<Predictions>> = {}
  const evalSets = [...ids.map((d) => ({ name: d, items: split.eval(d) })), { name: REVOLION_EVAL, items: select.revolionEval }]
  const answer = (t: string, model: TuneOutputs["model"], e: { name: string; items: Output<ReadonlyArray<Sample>> }) => {
    // A dataset's eval set by its own metrics; the mixed REVO-LION eval set by judged.metrics.
    const r = answerAndScore(t, model, `${e.name}.eval`, e.items, e.name === REVOLION_EVAL ? judged.metrics : metricsOf(e.name))
    proofScores[`${t}@${e.name}`] = r.scores
    if (e.name !== REVOLION_EVAL) proofPredictions[`${t}@${e.name}`] = r.predictions
  }
  for (const p of [...mainSets, ...extraSets]) {
    const model = tune(p, p === "union" ? split.union : select.train(p))
    for (const e of mainSets.includes(p) ? evalSets : evalSets.slice(0, -1)) answer(p, model, e)
  }
  // Datasets' in-domain models on the REVO-LION eval set complete the matrix's last column.
  for (const t of ids) answer(t, models[t]!, evalSets[evalSets.length - 1]!)
  const proof = add(proofStep(ids, sets, mqMetrics,
    { bootstrap: spec.select.proof.bootstrap, margin: spec.select.proof.margin, seed: spec.seed, min_distinct: spec.quality.min_distinct, keep_degenerate: spec.quality.keep_degenerate },
    proofScores, proofPredictions, evalItems)).proof
  tasks.push(reportStep(input, ids, {
    aggregate,
    proof,
    sq: sq.sq,
    sqNotes: sq.notes,
    selection: select.selection,
    split: split.summary,
    loads: Object.fromEntries(ids.map((d) => [d, loads[d]!.summary])),
    revolionTrain: select.train("revo-lion"),
    revolionEval: select.revolionEval
  }))
  return tasks
}
