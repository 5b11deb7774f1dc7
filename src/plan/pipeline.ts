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
import type { LoadedSpec } from "../spec/load.ts"
import type { Store } from "../runtime/store.ts"
import type { OutputRef, TaskSpec } from "../runtime/task.ts"
import { loadStep, splitStep } from "./steps-data.ts"
import { predictStep, tuneStep } from "./steps-model.ts"
import { aggregateStep, BOTTOM_SET, curveSets, proofStep, randomSeedSet, selectStep, sqStep } from "./steps-quality.ts"
import { scoreStep } from "./steps-score.ts"
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
}

export { PROOF_SETS, REVOLION_EVAL }

const ref = (task: string, output: string): OutputRef => ({ task, output })

export const datasetIds = (loaded: LoadedSpec): Array<string> => Object.keys(loaded.spec.datasets).sort()

export const buildPipeline = (input: PipelineInput): Array<TaskSpec> => {
  const { loaded, plugin } = input
  const spec = loaded.spec
  const ids = datasetIds(loaded)
  const tasks: Array<TaskSpec> = []
  // Each eval dataset is judged by its own metrics (datasets.<id>.metrics / .mq); the
  // REVO-LION eval set, which mixes them, per dataset when they differ (steps-score.ts).
  const judged = evalMetricsPlan(spec)
  const metricsOf = (e: string) => judged.of[e]!.metrics
  const mqMetrics = judged.mq

  for (const d of ids) tasks.push(loadStep(d, spec.datasets[d]!, loaded, input.datasetKeys[d]!))
  tasks.push(splitStep(ids, spec, Object.fromEntries(ids.map((d) => [d, ref(`load:${d}`, "samples")]))))

  // Tune on each dataset, then every model answers every eval split (cross) and every other
  // dataset's train split (for SQ).
  const cross: Record<string, OutputRef> = {}
  const trainScores: Record<string, OutputRef> = {}
  const evalScores: Record<string, OutputRef> = {}
  for (const t of ids) {
    tasks.push(tuneStep(t, plugin, spec, ref("split", `train:${t}`)))
    for (const e of ids) {
      for (const part of t === e ? (["eval"] as const) : (["eval", "train"] as const)) {
        const items = ref("split", `${part}:${e}`)
        tasks.push(predictStep(t, `${e}.${part}`, plugin, spec, ref(`tune:${t}`, "model"), items, input.store, input.modelsDir))
        tasks.push(scoreStep(t, `${e}.${part}`, metricsOf(e), ref(`predict:${t}@${e}.${part}`, "predictions"), items))
        const r = ref(`score:${t}@${e}.${part}`, "scores")
        if (part === "eval") {
          cross[`${t}@${e}`] = r
          evalScores[`${t}@${e}`] = r
        } else trainScores[`${t}@${e}`] = r
      }
    }
  }
  // Crossfit: K models per dataset tuned on K-1 folds of its train split answer the held-out
  // fold, so every train sample is also scored by a model of its own dataset that never saw it.
  const crossfit: Record<string, OutputRef> = {}
  for (const d of spec.quality.sq.crossfit >= 2 ? ids : []) {
    for (let f = 0; f < spec.quality.sq.crossfit; f++) {
      const tuneSet = `${d}~fold${f}`
      const heldout = ref("split", `fold-heldout:${d}:${f}`)
      tasks.push(tuneStep(tuneSet, plugin, spec, ref("split", `fold-train:${d}:${f}`)))
      tasks.push(predictStep(tuneSet, `${d}.fold${f}`, plugin, spec, ref(`tune:${tuneSet}`, "model"), heldout, input.store, input.modelsDir))
      tasks.push(scoreStep(tuneSet, `${d}.fold${f}`, metricsOf(d), ref(`predict:${tuneSet}@${d}.fold${f}`, "predictions"), heldout))
      crossfit[`crossfit:${d}:${f}`] = ref(`score:${tuneSet}@${d}.fold${f}`, "scores")
    }
    crossfit[`self:${d}`] = ref(`score:${d}@${d}.eval`, "scores")
  }
  const evalItems = Object.fromEntries(ids.map((d) => [d, ref("split", `eval:${d}`)]))
  const crossPredictions = Object.fromEntries(Object.keys(cross).map((c) => [c, ref(`predict:${c}.eval`, "predictions")]))
  tasks.push(aggregateStep(ids, mqMetrics, spec.quality.dq, { min_distinct: spec.quality.min_distinct, keep: spec.quality.keep_degenerate },
    { resamples: spec.select.proof.bootstrap, seed: spec.seed }, cross, crossPredictions, evalItems))
  tasks.push(sqStep(ids, mqMetrics, { ...spec.quality.sq, leaveOut: !spec.quality.keep_degenerate },
    { ...prefixed("train", trainScores), ...prefixed("eval", evalScores), ...crossfit },
    Object.fromEntries(ids.flatMap((d) => [[`split:train:${d}`, ref("split", `train:${d}`)], [`split:eval:${d}`, ref("split", `eval:${d}`)]])),
    ref("aggregate", "cross")))
  tasks.push(selectStep(ids, spec, ref("sq", "sq"), ref("split", "train:union"),
    Object.fromEntries(ids.flatMap((d) => [[`train:${d}`, ref("split", `train:${d}`)], [`eval:${d}`, ref("split", `eval:${d}`)]]))))

  // The proof: REVO-LION against the union of all train data and random subsets stratified to its
  // per-dataset sizes (one per seed); the bottom-by-SQ ablation and the budget curve. Only REVO-LION,
  // the union and the first random control also answer the REVO-LION eval set (shown apart).
  const randomSets = Array.from({ length: spec.select.controls.random ? spec.select.controls.seeds : 0 }, (_, i) => randomSeedSet(i))
  const budgets = curveSets(spec)
  const seed0 = spec.select.controls.seed ?? spec.seed
  const sets = { random: randomSets, seeds: randomSets.map((_, i) => seed0 + i), union: spec.select.controls.union, bottom: spec.select.proof.bottom, budgets }
  const mainSets = ["revo-lion", ...(sets.union ? ["union"] : []), ...(randomSets.length > 0 ? ["random"] : [])]
  const extraSets = [...randomSets.slice(1), ...(sets.bottom ? [BOTTOM_SET] : []), ...budgets.flatMap((b) => (b.budget === spec.select.budget ? [] : [b.revolion, ...b.random]))]
  const proofScores: Record<string, OutputRef> = {}
  const proofPredictions: Record<string, OutputRef> = {}
  const evalSets = [...ids.map((d) => ({ name: d, items: ref("split", `eval:${d}`) })), { name: REVOLION_EVAL, items: ref("select", `eval:${REVOLION_EVAL}`) }]
  const answer = (t: string, e: { name: string; items: OutputRef }) => {
    tasks.push(predictStep(t, `${e.name}.eval`, plugin, spec, ref(`tune:${t}`, "model"), e.items, input.store, input.modelsDir))
    // A dataset's eval set by its own metrics; the mixed REVO-LION eval set by judged.metrics.
    tasks.push(scoreStep(t, `${e.name}.eval`, e.name === REVOLION_EVAL ? judged.metrics : metricsOf(e.name), ref(`predict:${t}@${e.name}.eval`, "predictions"), e.items))
    proofScores[`${t}@${e.name}`] = ref(`score:${t}@${e.name}.eval`, "scores")
    if (e.name !== REVOLION_EVAL) proofPredictions[`${t}@${e.name}`] = ref(`predict:${t}@${e.name}.eval`, "predictions")
  }
  for (const p of [...mainSets, ...extraSets]) {
    tasks.push(tuneStep(p, plugin, spec, p === "union" ? ref("split", "train:union") : ref("select", `train:${p}`)))
    for (const e of mainSets.includes(p) ? evalSets : evalSets.slice(0, -1)) answer(p, e)
  }
  // Datasets' in-domain models on the REVO-LION eval set complete the matrix's last column.
  for (const t of ids) answer(t, evalSets[evalSets.length - 1]!)
  tasks.push(proofStep(ids, sets, mqMetrics,
    { bootstrap: spec.select.proof.bootstrap, margin: spec.select.proof.margin, seed: spec.seed, min_distinct: spec.quality.min_distinct, keep_degenerate: spec.quality.keep_degenerate },
    proofScores, proofPredictions, evalItems))
  tasks.push(reportStep(input, ids, {
    aggregate: ref("aggregate", "cross"),
    proof: ref("proof", "proof"),
    sq: ref("sq", "sq"),
    "sq-notes": ref("sq", "sq-notes"),
    select: ref("select", "selection"),
    split: ref("split", "summary"),
    ...Object.fromEntries(ids.map((d) => [`load:${d}`, ref(`load:${d}`, "summary")])),
    "train:revo-lion": ref("select", "train:revo-lion"),
    [`eval:${REVOLION_EVAL}`]: ref("select", `eval:${REVOLION_EVAL}`)
  }))
  return tasks
}

const prefixed = (prefix: string, refs: Record<string, OutputRef>): Record<string, OutputRef> =>
  Object.fromEntries(Object.entries(refs).map(([k, v]) => [`${prefix}:${k}`, v]))
