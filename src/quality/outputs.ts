/**
 * What the quality tasks write (aggregate, sq, select, proof) and the score files they read: the
 * formats other layers decode (the report, the REVO-LION Parquet). The tasks live in
 * src/plan/steps-quality.ts; the formulas in this folder.
 */
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
