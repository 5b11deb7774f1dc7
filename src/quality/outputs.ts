/**
 * What the quality tasks write (aggregate, sq, select, proof) and the score files they read: the
 * formats other layers decode (the report, the REVO-LION Parquet). The tasks live in
 * src/plan/steps-quality.ts; the formulas in this folder. Each format has a Schema, typed
 * against its interface so the compiler keeps them in step: the runner checks a task's inputs
 * against it (src/runtime/task.ts), so a format that drifted fails the reader by name.
 */
import * as Schema from "effect/Schema"
import { ALL_METRICS } from "../spec/metric-names.ts"
import type { BootstrapResult, Estimate, Means, spread } from "./bootstrap.ts"
import type { BudgetCurvePoint } from "./budget-curve.ts"
import type { Degeneracy } from "./degenerate.ts"
import type { CutTies } from "./select.ts"
import type { ExcludedModel } from "./sq.ts"

export interface ScoresFile {
  readonly corpus: Readonly<Record<string, number>>
  readonly items: ReadonlyArray<{ readonly id: string } & Readonly<Record<string, number>>>
  /** a mixed eval set scored per dataset (score-set.ts) */
  readonly by_dataset?: Readonly<Record<string, { readonly corpus: Readonly<Record<string, number>>; readonly items: number }>>
}

export interface Cell {
  readonly mq: number
  readonly items: number
  readonly [metric: string]: number
}

export interface AggregateFile {
  readonly datasets: ReadonlyArray<string>
  readonly mq_metrics: ReadonlyArray<string>
  readonly cross: Record<string, Record<string, Cell>>
  /** DQ as configured, without the degenerate cells unless keep_degenerate */
  readonly dq: Record<string, number | null>
  /** DQ variants: in-domain normalised, raw (normalize none), normalised with self */
  readonly dq_variants: Record<"normalized" | "raw" | "with_self", Record<string, number | null>>
  /** degenerate cells `t@e` */
  readonly degenerate: Record<string, Degeneracy>
  /** the datasets whose own model is not the best in its column (tune set of the best) */
  readonly not_best_in_column: Record<string, string>
  /** DQ on mean sample MQ with a 95% bootstrap interval over eval items (degenerate cells left out as above) */
  readonly dq_interval: Record<string, { readonly point: number; readonly lo: number; readonly hi: number } | null>
}

export interface SqFile {
  /** dataset -> part -> rows sorted by sample id */
  readonly [dataset: string]: {
    readonly train: ReadonlyArray<{ readonly id: string; readonly sq: number; readonly per_model: Readonly<Record<string, number>> }>
    readonly eval: ReadonlyArray<{ readonly id: string; readonly sq: number; readonly per_model: Readonly<Record<string, number>> }>
  }
}

/** What the sq task left out, per dataset and part, so the report can list it. */
export interface SqNotes {
  readonly [dataset: string]: {
    readonly [part in "train" | "eval"]: {
      /** models left out of this dataset's SQ for want of signal (ratio, zscore) */
      readonly excluded: ReadonlyArray<ExcludedModel>
      /** models left out because their answers on this dataset's eval set are degenerate */
      readonly degenerate: ReadonlyArray<string>
      /** (sample, model) pairs not scored because the model's train split holds the sample's image */
      readonly same_image: number
      /** samples no usable model scored: they get the neutral SQ (rank 0.5, ratio 1, zscore 0) */
      readonly unscored: number
    }
  }
}

export interface SelectionFile {
  readonly train: Record<string, Array<string>>
  readonly eval: Record<string, Array<string>>
  /** ties at each dataset's cut-off (REVO-LION train) */
  readonly ties: Record<string, CutTies>
  /** seeds of the random controls, in order; control i is tune set randomSeedSet(i) */
  readonly random_seeds: Array<number>
  /** tune set -> dataset -> samples (every extra tune set's per-dataset size) */
  readonly sizes: Record<string, Record<string, number>>
  /** budget curve: budget -> REVO-LION set and random sets with their seeds (the main budget reuses revo-lion and the main random controls) */
  readonly budgets: Array<CurveSets>
}

export type { Means }

/** The tune sets of one budget of the curve: REVO-LION's, and one random control per seed. */
export interface CurveSets {
  readonly budget: number
  readonly revolion: string
  readonly random: ReadonlyArray<string>
  readonly seeds: ReadonlyArray<number>
}

export interface ProofAnalysis {
  readonly statistic: string
  readonly bootstrap: number
  readonly margin: number
  readonly seed: number
  /** the datasets' eval splits the headline is computed on */
  readonly eval_sets: ReadonlyArray<string>
  /** eval sets left out of the headline, and why */
  readonly left_out: Record<string, string>
  /** degenerate cells `set@eval` of the proof's tune sets */
  readonly degenerate: Record<string, Degeneracy>
  /** REVO-LION - union and REVO-LION - random (per item, the mean over the random seeds) */
  readonly headline: Record<string, BootstrapResult>
  /** every tune set's headline means */
  readonly means: Record<string, Means>
  /** the random controls' seeds and the spread of their headline means and of REVO-LION's gap to each */
  readonly seeds: {
    readonly sets: ReadonlyArray<string>
    readonly seeds: ReadonlyArray<number>
    readonly macro: ReturnType<typeof spread>
    readonly weighted: ReturnType<typeof spread>
    readonly rel_macro: ReturnType<typeof spread>
  } | null
  /** REVO-LION's eval set (selected by SQ, so it cannot judge REVO-LION): per control, one estimate */
  readonly revolion_eval: Record<string, Estimate>
  /** ablation: REVO-LION - bottom half by SQ (same sizes) */
  readonly bottom: BootstrapResult | null
  /** the budget curve, budgets ascending (src/quality/budget-curve.ts) */
  readonly budget_curve: ReadonlyArray<BudgetCurvePoint>
}

/** The proof task's output: the proof sets' matrix rows and the analysis. */
export interface ProofFile {
  readonly datasets: ReadonlyArray<string>
  readonly proof_sets: ReadonlyArray<string>
  readonly cross: Record<string, Record<string, Cell>>
  readonly analysis: ProofAnalysis
}

// ---- Schemas (JSON numbers: NaN and infinities never reach a file, canonical JSON writes null)

const Num = Schema.Number
const Names = Schema.Array(Schema.String)
const Values = Schema.Record(Schema.String, Num)

/**
 * An item's scores: its id and the value of each metric revo knows, where computed (consumers
 * read them by name). A plain Struct rather than a struct with a number-valued rest (whose keys
 * would have to leave `id` out by a pattern): it checks the same keys several times faster, and
 * score files are the largest input the quality tasks read. The cast only restates it as the
 * interface's item type, which says "every other key is a number".
 */
const ScoreItem = Schema.Struct({
  id: Schema.String,
  ...Object.fromEntries(ALL_METRICS.map((m) => [m, Schema.optionalKey(Num)] as const))
}) as unknown as Schema.Decoder<ScoresFile["items"][number]>

export const ScoresFileSchema: Schema.Decoder<ScoresFile> = Schema.Struct({
  corpus: Values,
  items: Schema.Array(ScoreItem),
  by_dataset: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({ corpus: Values, items: Num })))
})

const CellSchema: Schema.Decoder<Cell> = Schema.StructWithRest(Schema.Struct({ mq: Num, items: Num }), [Values])
const Matrix = Schema.Record(Schema.String, Schema.Record(Schema.String, CellSchema))
const DegeneracySchema: Schema.Decoder<Degeneracy> = Schema.Struct({
  items: Num, distinct: Num, top_answer: Schema.String, top_share: Num, reason: Schema.String
})
const Degenerate = Schema.Record(Schema.String, DegeneracySchema)
const Dq = Schema.Record(Schema.String, Schema.NullOr(Num))

export const AggregateFileSchema: Schema.Decoder<AggregateFile> = Schema.Struct({
  datasets: Names,
  mq_metrics: Names,
  cross: Matrix,
  dq: Dq,
  dq_variants: Schema.Struct({ normalized: Dq, raw: Dq, with_self: Dq }),
  degenerate: Degenerate,
  not_best_in_column: Schema.Record(Schema.String, Schema.String),
  dq_interval: Schema.Record(Schema.String, Schema.NullOr(Schema.Struct({ point: Num, lo: Num, hi: Num })))
})

const SqRows = Schema.Array(Schema.Struct({ id: Schema.String, sq: Num, per_model: Values }))
export const SqFileSchema: Schema.Decoder<SqFile> = Schema.Record(Schema.String, Schema.Struct({ train: SqRows, eval: SqRows }))

const ExcludedModelSchema: Schema.Decoder<ExcludedModel> = Schema.Struct({ model: Schema.String, reason: Schema.String, mean: Num, nonzero: Num })
const SqPartNotes = Schema.Struct({ excluded: Schema.Array(ExcludedModelSchema), degenerate: Names, same_image: Num, unscored: Num })
export const SqNotesSchema: Schema.Decoder<SqNotes> = Schema.Record(Schema.String, Schema.Struct({ train: SqPartNotes, eval: SqPartNotes }))

const MutableNames = Schema.mutable(Names)
export const SelectionFileSchema: Schema.Decoder<SelectionFile> = Schema.Struct({
  train: Schema.Record(Schema.String, MutableNames),
  eval: Schema.Record(Schema.String, MutableNames),
  ties: Schema.Record(Schema.String, Schema.Struct({ cutoff_sq: Num, tied: Num, kept: Num }) satisfies Schema.Decoder<CutTies>),
  random_seeds: Schema.mutable(Schema.Array(Num)),
  sizes: Schema.Record(Schema.String, Values),
  budgets: Schema.mutable(Schema.Array(Schema.Struct({ budget: Num, revolion: Schema.String, random: Names, seeds: Schema.Array(Num) })))
})

const EstimateSchema: Schema.Decoder<Estimate> = Schema.Struct({
  subject: Num, control: Num, diff: Num, rel_diff: Num, rel_lo: Num, rel_hi: Num, diff_lo: Num, diff_hi: Num, items: Num,
  verdict: Schema.Literals(["beats", "matches", "falls short", "inconclusive"])
})
const BootstrapSchema: Schema.Decoder<BootstrapResult> = Schema.Struct({
  per_eval: Schema.Record(Schema.String, EstimateSchema),
  macro: Schema.NullOr(EstimateSchema),
  weighted: Schema.NullOr(EstimateSchema)
})
const MeansSchema: Schema.Decoder<Means> = Schema.Struct({ macro: Num, weighted: Num })
const Spread = Schema.Struct({ mean: Num, sd: Num, min: Num, max: Num, n: Num })
const CurveInterval = Schema.Struct({ macro: Schema.NullOr(EstimateSchema), weighted: Schema.NullOr(EstimateSchema) })
const BudgetCurvePointSchema: Schema.Decoder<BudgetCurvePoint> = Schema.Struct({
  budget: Num,
  revolion: MeansSchema,
  random: MeansSchema,
  random_seeds: Schema.Struct({ sets: Names, seeds: Schema.Array(Num), macro: Spread, weighted: Spread }),
  rel_revolion: MeansSchema,
  rel_random: MeansSchema,
  revolion_vs_union: Schema.NullOr(CurveInterval),
  random_vs_union: Schema.NullOr(CurveInterval),
  revolion_vs_random: CurveInterval
})

export const ProofFileSchema: Schema.Decoder<ProofFile> = Schema.Struct({
  datasets: Names,
  proof_sets: Names,
  cross: Matrix,
  analysis: Schema.Struct({
    statistic: Schema.String,
    bootstrap: Num,
    margin: Num,
    seed: Num,
    eval_sets: Names,
    left_out: Schema.Record(Schema.String, Schema.String),
    degenerate: Degenerate,
    headline: Schema.Record(Schema.String, BootstrapSchema),
    means: Schema.Record(Schema.String, MeansSchema),
    seeds: Schema.NullOr(Schema.Struct({ sets: Names, seeds: Schema.Array(Num), macro: Spread, weighted: Spread, rel_macro: Spread })),
    revolion_eval: Schema.Record(Schema.String, EstimateSchema),
    bottom: Schema.NullOr(BootstrapSchema),
    budget_curve: Schema.Array(BudgetCurvePointSchema)
  })
})
