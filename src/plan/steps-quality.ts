/**
 * Score, aggregate (MQ matrix and DQ), SQ, REVO-LION selection and the proof: the science of
 * DESIGN.md section 1 as tasks. The formulas themselves live in src/quality/, written once.
 */
import * as Effect from "effect/Effect"
import { itemsOf, namespaced, type Sample } from "../data/sample.ts"
import { dqOf, type DqOptions } from "../quality/dq.ts"
import { mqOf } from "../quality/mq.ts"
import { keepCount, randomSubset, rankBySq, type Scored, topGlobal, topPerDataset } from "../quality/select.ts"
import { sqOf, type SqOptions } from "../quality/sq.ts"
import type { OutputRef, TaskSpec } from "../runtime/task.ts"
import { mqSetOf, type MqSets } from "../spec/metric-sets.ts"
import type { Spec } from "../spec/schema.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { implementationVersion } from "../util/import-graph.ts"
import { REVOLION_EVAL } from "./names.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const QUALITY_STEP_VERSION = implementationVersion(import.meta.url)

export interface ScoresFile {
  readonly corpus: Readonly<Record<string, number>>
  readonly items: ReadonlyArray<{ readonly id: string } & Readonly<Record<string, number>>>
  /** a mixed eval set scored per dataset (steps-score.ts) */
  readonly by_dataset?: Readonly<Record<string, { readonly corpus: Readonly<Record<string, number>>; readonly items: number }>>
}

export interface Cell {
  readonly mq: number
  readonly items: number
  readonly [metric: string]: number
}

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

/** The tune-cross-evaluation matrix (MQ and every metric per cell) and DQ. */
export const aggregateStep = (ids: ReadonlyArray<string>, mqMetrics: MqSets, dq: DqOptions, cross: Readonly<Record<string, OutputRef>>): TaskSpec => ({
  label: "aggregate",
  kind: "aggregate",
  version: QUALITY_STEP_VERSION,
  params: { mqMetrics, dq },
  inputs: cross,
  resource: "cpu",
  run: (ctx) =>
    Effect.sync(() => {
      const matrix: Record<string, Record<string, Cell>> = {}
      for (const t of ids) {
        matrix[t] = {}
        for (const e of ids) matrix[t]![e] = cellOf(ctx.inputJson<ScoresFile>(`${t}@${e}`), mqMetrics, e)
      }
      const mq = Object.fromEntries(ids.map((t) => [t, Object.fromEntries(ids.map((e) => [e, matrix[t]![e]!.mq]))]))
      const dqValues = dqOf(mq, ids, dq)
      // mq_metrics: the one MQ list, or every metric some dataset's MQ uses (report.json's
      // eval_metrics says which per eval set).
      const mqList = Array.isArray(mqMetrics) ? mqMetrics : [...new Set(Object.values(mqMetrics as Record<string, ReadonlyArray<string>>).flat())]
      return { cross: canonicalJson({ datasets: ids, mq_metrics: mqList, cross: matrix, dq: dqValues }) }
    })
})

export interface SqFile {
  /** dataset -> part -> rows sorted by sample id */
  readonly [dataset: string]: {
    readonly train: ReadonlyArray<{ readonly id: string; readonly sq: number; readonly per_model: Readonly<Record<string, number>> }>
    readonly eval: ReadonlyArray<{ readonly id: string; readonly sq: number; readonly per_model: Readonly<Record<string, number>> }>
  }
}

/** SQ of every train and eval sample of every dataset, with each model's sample-level MQ. */
export const sqStep = (
  ids: ReadonlyArray<string>,
  mqMetrics: MqSets,
  options: SqOptions & { readonly crossfit: number },
  scores: Readonly<Record<string, OutputRef>>,
  splits: Readonly<Record<string, OutputRef>>
): TaskSpec => ({
  label: "sq",
  kind: "sq",
  version: QUALITY_STEP_VERSION,
  params: { mqMetrics, normalize: options.normalize, crossfit: options.crossfit },
  inputs: { ...scores, ...splits },
  resource: "cpu",
  run: (ctx) =>
    Effect.sync(() => {
      const out: Record<string, unknown> = {}
      for (const d of ids) {
        const parts: Record<string, unknown> = {}
        for (const part of ["train", "eval"] as const) {
          const samples = ctx.inputJson<ReadonlyArray<Sample>>(`split:${part}:${d}`)
          const sampleOf = new Map<string, string>()
          for (const s of samples) for (const it of itemsOf(s)) sampleOf.set(it.id, s.id)
          const perModel = new Map<string, Map<string, number>>()
          for (const t of ids) {
            if (t === d) continue
            const file = ctx.inputJson<ScoresFile>(`${part}:${t}@${d}`)
            perModel.set(t, new Map(file.items.map((it) => [it.id, mqOf(it, mqSetOf(mqMetrics, d))])))
          }
          if (options.crossfit >= 2) {
            // Out-of-fold models score the train samples; the in-domain model (which never saw
            // the eval split) scores the eval samples.
            const files = part === "train"
              ? Array.from({ length: options.crossfit }, (_, f) => ctx.inputJson<ScoresFile>(`crossfit:${d}:${f}`))
              : [ctx.inputJson<ScoresFile>(`self:${d}`)]
            perModel.set(`${d}~crossfit`, new Map(files.flatMap((file) => file.items.map((it) => [it.id, mqOf(it, mqSetOf(mqMetrics, d))] as const))))
          }
          const r = sqOf({ dataset: d, sampleOf, perModel }, options)
          parts[part] = samples.map((s) => s.id).sort().map((id) => ({
            id, sq: r.sq.get(id) ?? 0, per_model: Object.fromEntries(r.perModel.get(id) ?? [])
          }))
        }
        out[d] = parts
      }
      return { sq: canonicalJson(out) }
    })
})

/** REVO-LION train and eval sets, and the random control of REVO-LION's size. */
export const selectStep = (ids: ReadonlyArray<string>, spec: Spec, sq: OutputRef, union: OutputRef, splits: Readonly<Record<string, OutputRef>>): TaskSpec => ({
  label: "select",
  kind: "select",
  version: QUALITY_STEP_VERSION,
  params: {
    budget: spec.select.budget, policy: spec.select.policy, per_dataset: spec.select.per_dataset,
    eval_size: spec.select.eval_size, seed: spec.select.controls.seed ?? spec.seed
  },
  inputs: { sq, union, ...splits },
  resource: "cpu",
  run: (ctx) =>
    Effect.sync(() => {
      const sqFile = ctx.inputJson<SqFile>("sq")
      const trainScored: Array<Scored> = ids.flatMap((d) => sqFile[d]!.train.map((r) => ({ id: r.id, dataset: d, sq: r.sq })))
      const budgetOf = (d: string) => spec.select.per_dataset[d]?.budget ?? spec.select.budget
      const chosen = spec.select.policy === "global" ? topGlobal(trainScored, spec.select.budget) : topPerDataset(trainScored, budgetOf)
      const chosenSet = new Set(chosen.map((c) => `${c.dataset}\u0000${c.id}`))

      // The eval set: by SQ on the eval splits, no image shared with any train split.
      const trainImages = new Set<string>()
      for (const d of ids) for (const s of ctx.inputJson<ReadonlyArray<Sample>>(`train:${d}`)) if (s.image.id) trainImages.add(s.image.id)
      const evalChosen: Array<Scored> = []
      for (const d of ids) {
        const evalSamples = new Map(ctx.inputJson<ReadonlyArray<Sample>>(`eval:${d}`).map((s) => [s.id, s]))
        const rows = sqFile[d]!.eval
          .filter((r) => { const img = evalSamples.get(r.id)?.image.id; return img === undefined || !trainImages.has(img) })
          .map((r) => ({ id: r.id, dataset: d, sq: r.sq }))
        evalChosen.push(...rankBySq(rows).slice(0, keepCount(rows.length, spec.select.eval_size)))
      }
      const evalSet = new Set(evalChosen.map((c) => `${c.dataset}\u0000${c.id}`))

      const trainSamples: Array<Sample> = []
      const evalSamples: Array<Sample> = []
      for (const d of ids) {
        for (const s of ctx.inputJson<ReadonlyArray<Sample>>(`train:${d}`)) if (chosenSet.has(`${d}\u0000${s.id}`)) trainSamples.push(namespaced(s))
        for (const s of ctx.inputJson<ReadonlyArray<Sample>>(`eval:${d}`)) if (evalSet.has(`${d}\u0000${s.id}`)) evalSamples.push(namespaced(s))
      }
      const unionSamples = ctx.inputJson<ReadonlyArray<Sample>>("union")
      const random = randomSubset(unionSamples, trainSamples.length, spec.select.controls.seed ?? spec.seed)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      const selection = {
        train: Object.fromEntries(ids.map((d) => [d, chosen.filter((c) => c.dataset === d).map((c) => c.id).sort()])),
        eval: Object.fromEntries(ids.map((d) => [d, evalChosen.filter((c) => c.dataset === d).map((c) => c.id).sort()])),
        random: random.map((s) => s.id)
      }
      return {
        selection: canonicalJson(selection),
        "train:revo-lion": canonicalJson(trainSamples),
        [`eval:${REVOLION_EVAL}`]: canonicalJson(evalSamples),
        "train:random": canonicalJson(random)
      }
    })
})

/** MQ of the proof's tune sets on every eval set, and the datasets' models on the REVO-LION eval set. */
export const proofStep = (ids: ReadonlyArray<string>, proofSets: ReadonlyArray<string>, mqMetrics: MqSets, scores: Readonly<Record<string, OutputRef>>): TaskSpec => ({
  label: "proof",
  kind: "aggregate",
  version: QUALITY_STEP_VERSION,
  params: { mqMetrics, proofSets },
  inputs: scores,
  resource: "cpu",
  run: (ctx) =>
    Effect.sync(() => {
      const cells: Record<string, Record<string, Cell>> = {}
      for (const name of Object.keys(scores).sort()) {
        const [t, e] = name.split("@") as [string, string]
        cells[t] ??= {}
        cells[t]![e] = cellOf(ctx.inputJson<ScoresFile>(name), mqMetrics, e)
      }
      return { proof: canonicalJson({ datasets: ids, proof_sets: proofSets, cross: cells }) }
    })
})
