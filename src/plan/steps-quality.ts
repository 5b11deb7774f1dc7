/**
 * Score, aggregate (MQ matrix and DQ), SQ, REVO-LION selection and the proof: the science of
 * DESIGN.md section 1 as tasks. The formulas themselves live in src/quality/, written once.
 */
import * as Effect from "effect/Effect"
import { itemsOf, namespaced, type Sample } from "../data/sample.ts"
import { type BootstrapResult, type Estimate, pairedBootstrap, pairedBootstraps, rng, spread } from "../quality/bootstrap.ts"
import { budgetCurvePoint } from "../quality/budget-curve.ts"
import { type Degeneracy, degeneracyOf } from "../quality/degenerate.ts"
import { dqIntervals, dqOf, type DqOptions } from "../quality/dq.ts"
import { mqOf } from "../quality/mq.ts"
import { evalPool, imagesOf, keepCount, perDataset, rankBySq, type Scored, type Selection, stratifiedRandom, topGlobal } from "../quality/select.ts"
import { type MinSignal, sqOf, type SqNormalize } from "../quality/sq.ts"
import {
  type AggregateFile, AggregateFileSchema, type Cell, type CurveSets, type Means, type ProofAnalysis, type ProofFile, ProofFileSchema, type ScoresFile,
  type SelectionFile, SelectionFileSchema, type SqFile, SqFileSchema, type SqNotes, SqNotesSchema
} from "../quality/outputs.ts"
import { Samples } from "../data/outputs.ts"
import { type Output, output, type RunContext, type Step, TaskFailure } from "../runtime/task.ts"
import type { Predictions } from "./steps-model.ts"
import type { SplitOutputs } from "./steps-data.ts"
import { mqSetOf, type MqSets } from "../spec/metric-sets.ts"
import type { Spec } from "../spec/schema.ts"
import { canonicalJson, canonicalJsonArrayBytes } from "../util/canonical-json.ts"
import { implementationVersion } from "../util/import-graph.ts"
import { REVOLION_EVAL } from "./names.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const QUALITY_STEP_VERSION = implementationVersion(import.meta.url)

export type { AggregateFile, Cell, Means, ProofAnalysis, ScoresFile, SelectionFile, SqFile, SqNotes }

/** A matrix cell: MQ by eval set `e`'s MQ metrics, and every corpus value. A mixed eval set
 * scored per dataset (its datasets judged by different metrics) has MQ = the mean of its
 * datasets' MQs weighted by their items, and no single corpus value per metric. */
const cellOf = (s: ScoresFile, sets: MqSets, e: string): Cell => {
  if (s.by_dataset === undefined) return { ...s.corpus, mq: mqOf(s.corpus, mqSetOf(sets, e)), items: s.items.length }
  let sum = 0
  let n = 0
  for (const d of Object.keys(s.by_dataset).sort()) {
    const part = s.by_dataset[d]!
    sum += part.items * mqOf(part.corpus, mqSetOf(sets, d))
    n += part.items
  }
  return { mq: n === 0 ? 0 : sum / n, items: s.items.length }
}

/** The degeneracy of each cell `t@e` from its predictions (absent when it is not degenerate). */
const degenerateCells = (
  ctx: RunContext,
  predictions: Readonly<Record<string, Output<Predictions>>>,
  items: Readonly<Record<string, Output<ReadonlyArray<Sample>>>>,
  minDistinct: number
): Effect.Effect<Record<string, Degeneracy>, TaskFailure> =>
  Effect.gen(function*() {
    const refs = new Map<string, Map<string, string>>()
    const out: Record<string, Degeneracy> = {}
    for (const cell of Object.keys(predictions).sort()) {
      const e = cell.slice(cell.indexOf("@") + 1)
      let r = refs.get(e)
      if (r === undefined) {
        const evalItems = items[e]
        if (evalItems === undefined) return yield* new TaskFailure({ message: `${ctx.label}: no eval items for ${e} (cell ${cell})` })
        r = new Map((yield* ctx.read(evalItems)).flatMap(itemsOf).map((it) => [it.id, it.references[0] ?? ""] as const))
        refs.set(e, r)
      }
      const preds = yield* ctx.read(predictions[cell]!)
      const ids = [...r.keys()]
      const d = degeneracyOf(ids.map((id) => preds[id] ?? ""), ids.map((id) => r.get(id)!), minDistinct)
      if (d !== null) out[cell] = d
    }
    return out
  })

/** The tune-cross-evaluation matrix (MQ and every metric per cell), degenerate cells, and DQ. */
export const aggregateStep = (
  ids: ReadonlyArray<string>,
  mqMetrics: MqSets,
  dq: DqOptions,
  degenerate: { readonly min_distinct: number; readonly keep: boolean },
  bootstrap: { readonly resamples: number; readonly seed: number },
  cross: Readonly<Record<string, Output<ScoresFile>>>,
  predictions: Readonly<Record<string, Output<Predictions>>>,
  items: Readonly<Record<string, Output<ReadonlyArray<Sample>>>>
): Step<{ readonly cross: Output<AggregateFile> }> => ({
  label: "aggregate",
  out: { cross: output("aggregate", "cross", AggregateFileSchema) },
  kind: "aggregate",
  version: QUALITY_STEP_VERSION,
  params: { mqMetrics, dq, degenerate, bootstrap },
  inputs: { ...cross, ...prefixed("pred", predictions), ...prefixed("items", items) },
  resource: "cpu",
  run: (ctx) =>
    Effect.gen(function*() {
      const matrix: Record<string, Record<string, Cell>> = {}
      const itemValues: Record<string, Record<string, Float64Array>> = {}
      const flagged = yield* degenerateCells(ctx, predictions, items, degenerate.min_distinct)
      for (const t of ids) {
        matrix[t] = {}
        itemValues[t] = {}
        for (const e of ids) {
          const file = yield* ctx.read(cross[`${t}@${e}`]!)
          matrix[t]![e] = cellOf(file, mqMetrics, e)
          // items in id order, so every tune set's values on e line up (paired resampling)
          if (degenerate.keep || flagged[`${t}@${e}`] === undefined) {
            itemValues[t]![e] = Float64Array.from([...file.items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), (it) => mqOf(it, mqSetOf(mqMetrics, e)))
          }
        }
      }
      // Degenerate cells are left out of DQ (an in-domain degenerate cell cannot normalise its column).
      const mq = Object.fromEntries(ids.map((t) => [t, Object.fromEntries(ids.flatMap((e) =>
        !degenerate.keep && flagged[`${t}@${e}`] !== undefined ? [] : [[e, matrix[t]![e]!.mq] as const]))]))
      const notBest: Record<string, string> = {}
      for (const e of ids) {
        let best = e
        for (const t of ids) if ((mq[t]?.[e] ?? -Infinity) > (mq[best]?.[e] ?? -Infinity)) best = t
        if (best !== e) notBest[e] = best
      }
      const file: AggregateFile = {
        datasets: ids,
        // the one MQ list, or every metric some dataset's MQ uses (report.json's eval_metrics says which per eval set)
        mq_metrics: Array.isArray(mqMetrics) ? mqMetrics : [...new Set(Object.values(mqMetrics as Record<string, ReadonlyArray<string>>).flat())],
        cross: matrix,
        dq: dqOf(mq, ids, dq),
        dq_variants: {
          normalized: dqOf(mq, ids, { normalize: "in_domain", include_self: false }),
          raw: dqOf(mq, ids, { normalize: "none", include_self: false }),
          with_self: dqOf(mq, ids, { normalize: "in_domain", include_self: true })
        },
        degenerate: flagged,
        not_best_in_column: notBest,
        dq_interval: dqIntervals(itemValues, ids, dq, bootstrap.resamples, rng(bootstrap.seed))
      }
      return { cross: canonicalJson(file) }
    })
})

const prefixed = <A>(prefix: string, refs: Readonly<Record<string, Output<A>>>): Record<string, Output<A>> =>
  Object.fromEntries(Object.entries(refs).map(([k, v]) => [`${prefix}:${k}`, v]))

const NEUTRAL_SQ = { rank: 0.5, ratio: 1, zscore: 0 } as const

export interface SqStepOptions {
  readonly normalize: SqNormalize
  readonly min_signal: MinSignal
  readonly crossfit: number
  readonly exclude_same_image: boolean
  /** degenerate (tune set, eval set) cells (`t@e`) whose models do not score that dataset */
  readonly leaveOut: boolean
}

/** The score files SQ reads: each cell `t@d` of a model on another dataset's train and eval split, and the crossfit's. */
export interface SqScores {
  /** `t@d`: model t's scores on dataset d's train split */
  readonly train: Readonly<Record<string, Output<ScoresFile>>>
  /** `t@d`: on d's eval split */
  readonly eval: Readonly<Record<string, Output<ScoresFile>>>
  /** per dataset, fold f's model on held-out fold f (empty without crossfit) */
  readonly crossfit: Readonly<Record<string, ReadonlyArray<Output<ScoresFile>>>>
  /** per dataset, its own model on its eval split (with crossfit) */
  readonly self: Readonly<Record<string, Output<ScoresFile>>>
}

/** SQ of every train and eval sample of every dataset, with each model's sample-level MQ. */
export const sqStep = (
  ids: ReadonlyArray<string>,
  mqMetrics: MqSets,
  options: SqStepOptions,
  scores: SqScores,
  split: Pick<SplitOutputs, "train" | "eval">,
  aggregate: Output<AggregateFile>
): Step<{ readonly sq: Output<SqFile>; readonly notes: Output<SqNotes> }> => {
  // Input names (what the key hashes with each input's content): this task's own, spelled once here.
  const scoreName = (part: "train" | "eval", cell: string) => `${part}:${cell}`
  const crossfitName = (d: string, f: number) => `crossfit:${d}:${f}`
  const selfName = (d: string) => `self:${d}`
  const splitName = (part: "train" | "eval", d: string) => `split:${part}:${d}`
  const inputs: Record<string, Output<unknown>> = {}
  for (const part of ["train", "eval"] as const) for (const [cell, o] of Object.entries(scores[part])) inputs[scoreName(part, cell)] = o
  for (const [d, folds] of Object.entries(scores.crossfit)) folds.forEach((o, f) => (inputs[crossfitName(d, f)] = o))
  for (const [d, o] of Object.entries(scores.self)) inputs[selfName(d)] = o
  for (const d of ids) for (const part of ["train", "eval"] as const) inputs[splitName(part, d)] = split[part](d)
  inputs["aggregate"] = aggregate
  const read = <A>(ctx: RunContext, name: string, handle: Output<A> | undefined) =>
    handle === undefined ? Effect.fail(new TaskFailure({ message: `${ctx.label}: no input ${name}` })) : ctx.read(handle)
  return {
  label: "sq",
  out: { sq: output("sq", "sq", SqFileSchema), notes: output("sq", "sq-notes", SqNotesSchema) },
  kind: "sq",
  version: QUALITY_STEP_VERSION,
  params: { mqMetrics, ...options },
  inputs,
  resource: "cpu",
  run: (ctx) =>
    Effect.gen(function*() {
      const out: Record<string, unknown> = {}
      const notes: Record<string, unknown> = {}
      const degenerate = new Set(options.leaveOut ? Object.keys((yield* ctx.read(aggregate)).degenerate) : [])
      // Images each dataset's model was tuned on (for exclude_same_image).
      const trainImages = new Map<string, Set<string>>()
      if (options.exclude_same_image) {
        for (const t of ids) {
          trainImages.set(t, new Set((yield* ctx.read(split.train(t))).flatMap((s) => (s.image.id !== undefined ? [s.image.id] : []))))
        }
      }
      for (const d of ids) {
        const parts: Record<string, unknown> = {}
        const partNotes: Record<string, unknown> = {}
        for (const part of ["train", "eval"] as const) {
          const samples = yield* ctx.read(split[part](d))
          const sampleOf = new Map<string, string>()
          const imageOf = new Map<string, string>()
          for (const s of samples) {
            for (const it of itemsOf(s)) sampleOf.set(it.id, s.id)
            if (s.image.id !== undefined) imageOf.set(s.id, s.image.id)
          }
          const perModel = new Map<string, Map<string, number>>()
          const leftOut: Array<string> = []
          let sameImage = 0
          for (const t of ids) {
            if (t === d) continue
            if (degenerate.has(`${t}@${d}`)) {
              leftOut.push(t)
              continue
            }
            const file = yield* read(ctx, scoreName(part, `${t}@${d}`), scores[part][`${t}@${d}`])
            const seen = trainImages.get(t)
            const m = new Map<string, number>()
            const skipped = new Set<string>()
            for (const it of file.items) {
              const sid = sampleOf.get(it.id)
              const img = sid === undefined ? undefined : imageOf.get(sid)
              if (seen !== undefined && img !== undefined && seen.has(img)) {
                skipped.add(sid!)
                continue
              }
              m.set(it.id, mqOf(it, mqSetOf(mqMetrics, d)))
            }
            sameImage += skipped.size
            perModel.set(t, m)
          }
          if (options.crossfit >= 2) {
            // Out-of-fold models score the train samples (folds are grouped by image, so the fold
            // model never saw the sample's image); the in-domain model (which never saw the eval
            // split) scores the eval samples.
            const files = part === "train"
              ? yield* Effect.forEach(Array.from({ length: options.crossfit }, (_, f) => f), (f) => read(ctx, crossfitName(d, f), scores.crossfit[d]?.[f]))
              : [yield* read(ctx, selfName(d), scores.self[d])]
            perModel.set(`${d}~crossfit`, new Map(files.flatMap((file) => file.items.map((it) => [it.id, mqOf(it, mqSetOf(mqMetrics, d))] as const))))
          }
          const r = sqOf({ dataset: d, sampleOf, perModel }, { normalize: options.normalize, min_signal: options.min_signal })
          let unscored = 0
          parts[part] = samples.map((s) => s.id).sort().map((id) => {
            const v = r.sq.get(id)
            if (v === undefined) unscored++
            return { id, sq: v ?? NEUTRAL_SQ[options.normalize], per_model: Object.fromEntries(r.perModel.get(id) ?? []) }
          })
          partNotes[part] = { excluded: r.excluded, degenerate: leftOut, same_image: sameImage, unscored }
        }
        out[d] = parts
        notes[d] = partNotes
      }
      return { sq: canonicalJson(out), "sq-notes": canonicalJson(notes) }
    })
  }
}

/** Names of the extra tune sets the select task writes (proof controls, ablation, budget curve). */
export const randomSeedSet = (i: number): string => (i === 0 ? "random" : `random-s${i}`)
export const budgetTag = (b: number): string => `b${String(Math.round(b * 1000)).padStart(3, "0")}`
/** The random control of seed index i at budget b (i = 0 keeps the name it had with one seed). */
export const budgetRandomSet = (b: number, i: number): string => (i === 0 ? `random-${budgetTag(b)}` : `random-${budgetTag(b)}-s${i}`)

/**
 * The budget curve's tune sets (sorted budgets, unique; none when `select.proof.budgets` is [],
 * the policy is global or there is no random control). The main budget reuses REVO-LION and the
 * main random controls (select.controls.seeds); every other budget gets its REVO-LION and
 * select.proof.budget_seeds random controls, on the main controls' first seeds.
 */
export const curveSets = (spec: Spec): Array<CurveSets> => {
  const seed0 = spec.select.controls.seed ?? spec.seed
  const seeds = (n: number) => Array.from({ length: n }, (_, i) => seed0 + i)
  return curveBudgets(spec).map((b) => b === spec.select.budget
    ? { budget: b, revolion: "revo-lion", random: seeds(spec.select.controls.seeds).map((_, i) => randomSeedSet(i)), seeds: seeds(spec.select.controls.seeds) }
    : { budget: b, revolion: `revo-lion-${budgetTag(b)}`, random: seeds(spec.select.proof.budget_seeds).map((_, i) => budgetRandomSet(b, i)), seeds: seeds(spec.select.proof.budget_seeds) })
}
export const BOTTOM_SET = "revo-lion-bottom"

/**
 * REVO-LION train and eval sets, the random controls (stratified to REVO-LION's per-dataset sizes,
 * one per seed), the bottom-by-SQ ablation and the budget curve's sets.
 */
/** The select task's outputs: each tune set it chose, the REVO-LION eval set and the selection's summary. */
export interface SelectOutputs {
  /** the train samples of tune set `set` (REVO-LION, a random control, the ablation, a budget curve set) */
  readonly train: (set: string) => Output<ReadonlyArray<Sample>>
  readonly revolionEval: Output<ReadonlyArray<Sample>>
  readonly selection: Output<SelectionFile>
}

const selectOutputs: SelectOutputs = {
  train: (set) => output("select", `train:${set}`, Samples),
  revolionEval: output("select", `eval:${REVOLION_EVAL}`, Samples),
  selection: output("select", "selection", SelectionFileSchema)
}

export const selectStep = (ids: ReadonlyArray<string>, spec: Spec, sq: Output<SqFile>, split: Pick<SplitOutputs, "train" | "eval" | "union">): Step<SelectOutputs> => {
  const seed0 = spec.select.controls.seed ?? spec.seed
  const seeds = Array.from({ length: spec.select.controls.random ? spec.select.controls.seeds : 0 }, (_, i) => seed0 + i)
  const curve = curveSets(spec)
  const union = split.union
  const splits = Object.fromEntries(ids.flatMap((d) => [[`train:${d}`, split.train(d)], [`eval:${d}`, split.eval(d)]] as const))
  return {
    label: "select",
    out: selectOutputs,
    kind: "select",
    version: QUALITY_STEP_VERSION,
    params: {
      budget: spec.select.budget, policy: spec.select.policy, per_dataset: spec.select.per_dataset,
      eval_size: spec.select.eval_size, seeds, seed: spec.seed, bottom: spec.select.proof.bottom, curve
    },
    inputs: { sq, union, ...splits },
    resource: "cpu",
    run: (ctx) =>
      Effect.gen(function*() {
        const sqFile = yield* ctx.read(sq)
        const trainSplit = new Map<string, ReadonlyArray<Sample>>()
        const evalSplit = new Map<string, ReadonlyArray<Sample>>()
        for (const d of ids) {
          trainSplit.set(d, yield* ctx.read(split.train(d)))
          evalSplit.set(d, yield* ctx.read(split.eval(d)))
        }
        const trainScored: Array<Scored> = ids.flatMap((d) => sqFile[d]!.train.map((r) => ({ id: r.id, dataset: d, sq: r.sq })))
        const budgetOf = (scale: number) => (d: string) => scale * (spec.select.per_dataset[d]?.budget ?? spec.select.budget)
        const pick = (scale: number, end: "top" | "bottom"): Selection =>
          spec.select.policy === "global" && end === "top" && scale === 1
            ? topGlobal(trainScored, spec.select.budget, spec.seed)
            : perDataset(trainScored, budgetOf(scale), spec.seed, end)
        const main = pick(1, "top")
        const keyOf = (c: { dataset: string; id: string }) => `${c.dataset}\u0000${c.id}`

        // The eval set: by SQ on the eval splits, no image shared with any train split.
        const trainImages = imagesOf(ids.map((d) => trainSplit.get(d)!))
        const evalChosen: Array<Scored> = []
        for (const d of ids) {
          const pool = new Set(evalPool(evalSplit.get(d)!, trainImages).map((s) => s.id))
          const rows = sqFile[d]!.eval.filter((r) => pool.has(r.id)).map((r) => ({ id: r.id, dataset: d, sq: r.sq }))
          evalChosen.push(...rankBySq(rows, spec.seed).slice(0, keepCount(rows.length, spec.select.eval_size)))
        }
        const evalSet = new Set(evalChosen.map(keyOf))

        // The tune sets draw from one pool of samples: each namespaced once and written once.
        const namespacedOf = new Map<Sample, Sample>()
        const json = new WeakMap<object, Buffer>()
        const trainOf = (chosen: ReadonlyArray<Scored>): Array<Sample> => {
          const set = new Set(chosen.map(keyOf))
          const out: Array<Sample> = []
          for (const d of ids) {
            for (const s of trainSplit.get(d)!) {
              if (!set.has(keyOf(s))) continue
              let n = namespacedOf.get(s)
              if (n === undefined) namespacedOf.set(s, n = namespaced(s))
              out.push(n)
            }
          }
          return out
        }
        const sizesOf = (chosen: ReadonlyArray<Scored>) => Object.fromEntries(ids.map((d) => [d, chosen.filter((c) => c.dataset === d).length]))
        const unionSamples = yield* ctx.read(union)
        const byId = (a: Sample, b: Sample) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
        const outputs: Record<string, string | Uint8Array> = {}
        const sizes: Record<string, Record<string, number>> = {}
        const put = (name: string, samples: Array<Sample>) => {
          outputs[selectOutputs.train(name).output] = canonicalJsonArrayBytes(samples, json)
          sizes[name] = Object.fromEntries(ids.map((d) => [d, samples.filter((s) => s.dataset === d).length]))
        }
        put("revo-lion", trainOf(main.chosen))
        const mainSizes = sizesOf(main.chosen)
        seeds.forEach((sd, i) => put(randomSeedSet(i), stratifiedRandom(unionSamples, mainSizes, sd).sort(byId)))
        if (spec.select.proof.bottom) put(BOTTOM_SET, trainOf(pick(1, "bottom").chosen))
        for (const c of curve) {
          if (c.budget === spec.select.budget) continue
          const sel = perDataset(trainScored, budgetOf(c.budget / spec.select.budget), spec.seed)
          put(c.revolion, trainOf(sel.chosen))
          const sizes = sizesOf(sel.chosen)
          c.random.forEach((name, i) => put(name, stratifiedRandom(unionSamples, sizes, c.seeds[i]!).sort(byId)))
        }
        const evalSamples: Array<Sample> = []
        for (const d of ids) for (const s of evalSplit.get(d)!) if (evalSet.has(keyOf(s))) evalSamples.push(namespaced(s))
        const selection: SelectionFile = {
          train: Object.fromEntries(ids.map((d) => [d, main.chosen.filter((c) => c.dataset === d).map((c) => c.id).sort()])),
          eval: Object.fromEntries(ids.map((d) => [d, evalChosen.filter((c) => c.dataset === d).map((c) => c.id).sort()])),
          ties: main.ties,
          random_seeds: seeds,
          sizes,
          budgets: curve
        }
        return { ...outputs, [selectOutputs.selection.output]: canonicalJson(selection), [selectOutputs.revolionEval.output]: canonicalJson(evalSamples) }
      })
  }
}

/** The budget curve's budgets (sorted, unique); empty when `select.proof.budgets` is [] or the policy is global. */
export const curveBudgets = (spec: Spec): Array<number> =>
  spec.select.policy === "global" || !spec.select.controls.random ? [] : [...new Set(spec.select.proof.budgets)].sort((a, b) => a - b)

export interface ProofSets {
  /** the random controls, one per seed, in seed order */
  readonly random: ReadonlyArray<string>
  /** their seeds */
  readonly seeds: ReadonlyArray<number>
  readonly union: boolean
  readonly bottom: boolean
  /** the budget curve's sets (SelectionFile.budgets, known at plan time from the spec) */
  readonly budgets: ReadonlyArray<CurveSets>
}

export interface ProofOptions {
  readonly bootstrap: number
  readonly margin: number
  readonly seed: number
  readonly min_distinct: number
  readonly keep_degenerate: boolean
}

/**
 * MQ of the proof's tune sets on every eval set (the matrix's extra rows), the datasets' models on
 * the REVO-LION eval set, and the proof itself: the headline on the datasets' own eval splits with
 * paired bootstrap intervals and verdicts, the seeds' spread, the ablation and the budget curve.
 */
export const proofStep = (
  ids: ReadonlyArray<string>,
  sets: ProofSets,
  mqMetrics: MqSets,
  options: ProofOptions,
  scores: Readonly<Record<string, Output<ScoresFile>>>,
  predictions: Readonly<Record<string, Output<Predictions>>>,
  items: Readonly<Record<string, Output<ReadonlyArray<Sample>>>>
): Step<{ readonly proof: Output<ProofFile> }> => ({
  label: "proof",
  out: { proof: output("proof", "proof", ProofFileSchema) },
  kind: "proof",
  version: QUALITY_STEP_VERSION,
  params: { mqMetrics, sets, options },
  inputs: { ...scores, ...prefixed("pred", predictions), ...prefixed("items", items) },
  resource: "cpu",
  run: (ctx) =>
    Effect.gen(function*() {
      const shown = new Set(["revo-lion", ...(sets.union ? ["union"] : []), ...(sets.random.length > 0 ? ["random"] : []), ...ids])
      const cells: Record<string, Record<string, Cell>> = {}
      const itemMq = new Map<string, Map<string, number>>()
      for (const name of Object.keys(scores).sort()) {
        const [t, e] = name.split("@") as [string, string]
        const file = yield* ctx.read(scores[name]!)
        if (shown.has(t)) {
          cells[t] ??= {}
          cells[t]![e] = cellOf(file, mqMetrics, e)
        }
        // an item of the REVO-LION eval set is judged by its own dataset's MQ metrics (ids are `<dataset>/<id>#turn`)
        const setOf = (id: string) => mqSetOf(mqMetrics, e === REVOLION_EVAL ? id.slice(0, id.indexOf("/")) : e)
        if (e !== REVOLION_EVAL || !ids.includes(t)) itemMq.set(name, new Map(file.items.map((it) => [it.id, mqOf(it, setOf(it.id))])))
      }
      const flagged = yield* degenerateCells(ctx, predictions, items, options.min_distinct)
      const headlineSets = ["revo-lion", ...(sets.union ? ["union"] : []), ...sets.random]
      const leftOut: Record<string, string> = {}
      const evalSets = ids.filter((e) => {
        const bad = headlineSets.filter((t) => flagged[`${t}@${e}`] !== undefined)
        if (bad.length === 0 || options.keep_degenerate) return true
        leftOut[e] = `degenerate answers from ${bad.join(", ")}`
        return false
      })
      // Items of eval set e in a fixed order, and a tune set's sample MQ on them.
      const itemIds = (e: string) => [...(itemMq.get(`revo-lion@${e}`)?.keys() ?? [])].sort()
      const values = (t: string, e: string, order: ReadonlyArray<string>): Float64Array => {
        const m = itemMq.get(`${t}@${e}`)
        if (m === undefined) throw new Error(`proof: no scores for ${t} on ${e}`)
        return Float64Array.from(order, (id) => {
          const v = m.get(id)
          if (v === undefined) throw new Error(`proof: ${t} has no score for item ${id} of ${e}`)
          return v
        })
      }
      const randomMean = (e: string, order: ReadonlyArray<string>): Float64Array => {
        const out = new Float64Array(order.length)
        for (const r of sets.random) values(r, e, order).forEach((v, i) => (out[i]! += v / sets.random.length))
        return out
      }

      // REVO-LION against each control on one draw of the resampled items (each result equals its own pairedBootstrap).
      const controls = [...(sets.union ? ["union"] : []), ...(sets.random.length > 0 ? ["random"] : []), ...(sets.bottom ? [BOTTOM_SET] : [])]
      const against = new Map(pairedBootstraps(
        evalSets.map((e) => {
          const order = itemIds(e)
          return { name: e, series: Object.fromEntries([["revo-lion", values("revo-lion", e, order)], ...controls.map((c) => [c, c === "random" ? randomMean(e, order) : values(c, e, order)] as const)]) }
        }),
        controls.map((c) => ["revo-lion", c] as const), options.bootstrap, options.seed, options.margin
      ).map((r, i) => [controls[i]!, r] as const))
      const headline: Record<string, BootstrapResult> = {}
      if (sets.union) headline["union"] = against.get("union")!
      if (sets.random.length > 0) headline["random"] = against.get("random")!

      const meansOf = (t: string): Means => {
        let macro = 0
        let sum = 0
        let n = 0
        for (const e of evalSets) {
          const v = values(t, e, itemIds(e))
          let s = 0
          for (const x of v) s += x
          macro += v.length > 0 ? s / v.length : 0
          sum += s
          n += v.length
        }
        return { macro: evalSets.length > 0 ? macro / evalSets.length : 0, weighted: n > 0 ? sum / n : 0 }
      }
      const allSets = [...new Set([...headlineSets, ...(sets.bottom ? [BOTTOM_SET] : []), ...sets.budgets.flatMap((b) => [b.revolion, ...b.random])])]
      const means: Record<string, Means> = Object.fromEntries(allSets.map((t) => [t, meansOf(t)]))
      const relTo = (a: Means, b: Means | undefined): Means => ({
        macro: b !== undefined && b.macro !== 0 ? (a.macro - b.macro) / b.macro : 0,
        weighted: b !== undefined && b.weighted !== 0 ? (a.weighted - b.weighted) / b.weighted : 0
      })
      const revo = means["revo-lion"]!
      const seeds = sets.random.length > 0
        ? {
          sets: sets.random,
          seeds: sets.seeds,
          macro: spread(sets.random.map((r) => means[r]!.macro)),
          weighted: spread(sets.random.map((r) => means[r]!.weighted)),
          rel_macro: spread(sets.random.map((r) => relTo(revo, means[r]).macro))
        }
        : null
      const revolionEval: Record<string, Estimate> = {}
      const reOrder = [...(itemMq.get(`revo-lion@${REVOLION_EVAL}`)?.keys() ?? [])].sort()
      for (const c of sets.union ? ["union", "random"] : ["random"]) {
        if (c === "random" && sets.random.length === 0) continue
        if (!itemMq.has(`${c}@${REVOLION_EVAL}`) || reOrder.length === 0) continue
        const r = pairedBootstrap([{ name: REVOLION_EVAL, subject: values("revo-lion", REVOLION_EVAL, reOrder), control: values(c, REVOLION_EVAL, reOrder) }],
          options.bootstrap, options.seed, options.margin)
        revolionEval[c] = r.per_eval[REVOLION_EVAL]!
      }
      const analysis: ProofAnalysis = {
        statistic: "mean sample-level MQ over eval items",
        bootstrap: options.bootstrap,
        margin: options.margin,
        seed: options.seed,
        eval_sets: evalSets,
        left_out: leftOut,
        degenerate: flagged,
        headline,
        means,
        seeds,
        revolion_eval: revolionEval,
        bottom: sets.bottom ? against.get(BOTTOM_SET)! : null,
        budget_curve: sets.budgets.map((b) =>
          budgetCurvePoint(b.budget, { sets: b.random, seeds: b.seeds }, evalSets.map((e) => {
            const order = itemIds(e)
            return { name: e, revolion: values(b.revolion, e, order), random: b.random.map((r) => values(r, e, order)), union: sets.union ? values("union", e, order) : null }
          }), { resamples: options.bootstrap, seed: options.seed, margin: options.margin }))
      }
      const proof: ProofFile = { datasets: ids, proof_sets: [...shown].filter((t) => !ids.includes(t)), cross: cells, analysis }
      return { proof: canonicalJson(proof) }
    })
})
