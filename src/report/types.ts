/**
 * report.json: the one object the report renderers read (DESIGN.md section 6, "Outputs").
 * Every number that report.md or report.html shows lives here, so either page can be rebuilt
 * from this file alone. Keys are snake_case because the file is read by people and scripts.
 */
import * as Schema from "effect/Schema"

/** Tune sets that are not single datasets, in the order the report shows them. */
export const EXTRA_TUNE_SETS = ["union", "revo-lion", "random"] as const
/** Eval sets that are not single datasets. */
export const EXTRA_EVAL_SETS = ["revo-lion-eval"] as const

const Num = Schema.Finite
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * One cell of the tune x eval matrix: `mq` (mean of the configured metrics), `items` (how many
 * eval items it was computed on), and every metric by name (bleu4, meteor, ...).
 */
export const CrossCell = Schema.StructWithRest(
  Schema.Struct({ mq: Num, items: Count }),
  [Schema.Record(Schema.String, Num)]
)
export type CrossCell = typeof CrossCell.Type

export const SqSummary = Schema.Struct({ n: Count, mean: Num, p10: Num, p50: Num, p90: Num })
export type SqSummary = typeof SqSummary.Type

/** Fixed bins over one range shared by all datasets, so the distributions can be compared by eye. */
export const SqHistogram = Schema.Struct({
  lo: Num,
  hi: Num,
  bins: Count,
  /** per dataset: `bins` counts; a value v falls into bin floor((v - lo) / (hi - lo) * bins), clamped */
  counts: Schema.Record(Schema.String, Schema.Array(Count))
})
export type SqHistogram = typeof SqHistogram.Type

export const RevolionPart = Schema.Struct({
  train: Count,
  eval: Count,
  /** size of the dataset's train split the REVO-LION train part was chosen from */
  train_split: Schema.optionalKey(Count),
  /** size of the dataset's eval split the REVO-LION eval part was chosen from */
  eval_split: Schema.optionalKey(Count)
})
export type RevolionPart = typeof RevolionPart.Type

export const Revolion = Schema.Struct({
  budget: Num,
  /** total REVO-LION train samples */
  train_size: Count,
  /** total REVO-LION eval samples */
  eval_size: Count,
  per_dataset: Schema.Record(Schema.String, RevolionPart),
  /** per dataset: the SQ at the cut-off, how many samples share it and how many of those were kept (ties broken by the seed) */
  ties: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({ cutoff_sq: Num, tied: Count, kept: Count })))
})
export type Revolion = typeof Revolion.Type

export const ComparisonRow = Schema.Struct({ subject: Num, control: Num, diff: Num })
export type ComparisonRow = typeof ComparisonRow.Type

/**
 * REVO-LION against one control tune set. `diff` = subject_mean - control_mean;
 * `rel_diff` = diff / control_mean (0 when control_mean is 0). Within `tolerance` (relative)
 * the two count as a tie.
 */
export const Comparison = Schema.Struct({
  subject: Schema.Literal("revo-lion"),
  control: Schema.Literals(["union", "random"]),
  subject_train_size: Count,
  control_train_size: Count,
  /** train size of the union of all train splits, for "REVO-LION is x% of all data" */
  union_train_size: Count,
  /** the eval sets the means are taken over, in order */
  eval_sets: Schema.Array(Schema.String),
  per_eval: Schema.Record(Schema.String, ComparisonRow),
  subject_mean: Num,
  control_mean: Num,
  diff: Num,
  rel_diff: Num,
  /** eval sets where subject > control, subject < control */
  wins: Count,
  losses: Count,
  tolerance: Num,
  verdict: Schema.String,
  /** what the means are of, when they come from the proof (e.g. "mean sample-level MQ over eval items") */
  statistic: Schema.optionalKey(Schema.String),
  /** the verdict the 95% interval of rel_diff supports (from the proof's paired bootstrap) */
  outcome: Schema.optionalKey(Schema.Literals(["beats", "matches", "falls short", "inconclusive"])),
  rel_lo: Schema.optionalKey(Num),
  rel_hi: Schema.optionalKey(Num)
})
export type Comparison = typeof Comparison.Type

export const Comparisons = Schema.Struct({ union: Comparison, random: Comparison })
export type Comparisons = typeof Comparisons.Type

/** One bootstrap estimate: subject - control with its 95% interval, and the verdict it supports. */
export const Estimate = Schema.Struct({
  subject: Num, control: Num, diff: Num, rel_diff: Num,
  rel_lo: Num, rel_hi: Num, diff_lo: Num, diff_hi: Num,
  items: Count,
  verdict: Schema.Literals(["beats", "matches", "falls short", "inconclusive"])
})
export type Estimate = typeof Estimate.Type

export const BootstrapResult = Schema.Struct({
  per_eval: Schema.Record(Schema.String, Estimate),
  macro: Schema.NullOr(Estimate),
  weighted: Schema.NullOr(Estimate)
})
export type BootstrapResult = typeof BootstrapResult.Type

export const Means = Schema.Struct({ macro: Num, weighted: Num })
/** A budget-curve gap: the headline's macro and item-weighted estimates with their intervals. */
export const CurveInterval = Schema.Struct({ macro: Schema.NullOr(Estimate), weighted: Schema.NullOr(Estimate) })
export const Spread = Schema.Struct({ mean: Num, sd: Num, min: Num, max: Num, n: Count })

export const Degeneracy = Schema.Struct({ items: Count, distinct: Count, top_answer: Schema.String, top_share: Num, reason: Schema.String })
export type Degeneracy = typeof Degeneracy.Type

/**
 * The proof (DESIGN.md section 1): REVO-LION against the union and the stratified random controls
 * on the datasets' own eval splits, with paired bootstrap intervals; the seeds' spread; the REVO-LION
 * eval set apart (selected by SQ); the bottom-by-SQ ablation; the budget curve.
 */
export const Proof = Schema.Struct({
  statistic: Schema.String,
  bootstrap: Count,
  margin: Num,
  seed: Schema.Int,
  eval_sets: Schema.Array(Schema.String),
  left_out: Schema.Record(Schema.String, Schema.String),
  degenerate: Schema.Record(Schema.String, Degeneracy),
  headline: Schema.Record(Schema.String, BootstrapResult),
  means: Schema.Record(Schema.String, Means),
  seeds: Schema.NullOr(Schema.Struct({
    sets: Schema.Array(Schema.String),
    seeds: Schema.Array(Schema.Int),
    macro: Spread,
    weighted: Spread,
    rel_macro: Spread
  })),
  revolion_eval: Schema.Record(Schema.String, Estimate),
  bottom: Schema.NullOr(BootstrapResult),
  budget_curve: Schema.Array(Schema.Struct({
    budget: Num,
    revolion: Means,
    /** the mean over the random seeds */
    random: Means,
    random_seeds: Schema.Struct({ sets: Schema.Array(Schema.String), seeds: Schema.Array(Schema.Int), macro: Spread, weighted: Spread }),
    rel_revolion: Means,
    rel_random: Means,
    /** paired bootstrap 95% intervals (null without a union control) */
    revolion_vs_union: Schema.NullOr(CurveInterval),
    random_vs_union: Schema.NullOr(CurveInterval),
    revolion_vs_random: CurveInterval
  }))
})
export type Proof = typeof Proof.Type

/**
 * What produced the numbers: the backend, what it sees, and whether it is a demo. Not how it was
 * called (module or process form of the same backend give the same report).
 */
export const Backend = Schema.Struct({
  name: Schema.String,
  version: Schema.String,
  /** what the backend's model sees (manifest `inputs`), e.g. ["text"] or ["text", "image"] */
  inputs: Schema.Array(Schema.String),
  /** a demo backend's REVO-LION is not a finding (manifest `demo`) */
  demo: Schema.Boolean,
  /** not written by revo run (the module and process forms describe themselves differently); kept readable */
  description: Schema.optionalKey(Schema.String)
})
export type Backend = typeof Backend.Type

export const ExcludedModel = Schema.Struct({ model: Schema.String, reason: Schema.String, mean: Num, nonzero: Num })

export const SqNotePart = Schema.Struct({
  excluded: Schema.Array(ExcludedModel),
  degenerate: Schema.Array(Schema.String),
  same_image: Count,
  unscored: Count
})

export const Provenance = Schema.Struct({
  spec_sha256: Schema.String,
  /** dataset id -> content key (hash of its source bytes) */
  dataset_keys: Schema.Record(Schema.String, Schema.String),
  plugin: Schema.Struct({ name: Schema.String, version: Schema.String, code_sha256: Schema.String }),
  /** tool -> version (node, effect, revo, ...) */
  tools: Schema.Record(Schema.String, Schema.String)
})
export type Provenance = typeof Provenance.Type

export const BadRow = Schema.Struct({
  file: Schema.String,
  line: Schema.optionalKey(Count),
  index: Schema.optionalKey(Count),
  reason: Schema.String
})
export type BadRow = typeof BadRow.Type

/** The results file that lists every bad row of every dataset, one JSON object per line. */
export const BAD_ROWS_FILE = "bad-rows.jsonl"
/** How many bad rows of each dataset report.json (and the rendered reports) list. */
export const BAD_ROWS_IN_REPORT = 50

/** Bad rows of one dataset: the total, and the first BAD_ROWS_IN_REPORT rows (all are in BAD_ROWS_FILE). */
export const BadRows = Schema.Struct({ count: Count, rows: Schema.Array(BadRow) })
export type BadRows = typeof BadRows.Type

/** How DQ and SQ were computed; optional so an older report still decodes. */
export const Settings = Schema.Struct({
  dq: Schema.optionalKey(Schema.Struct({ normalize: Schema.String, include_self: Schema.Boolean })),
  sq: Schema.optionalKey(Schema.Struct({
    normalize: Schema.String,
    crossfit: Count,
    min_signal: Schema.optionalKey(Schema.Struct({ mean: Num, nonzero: Num })),
    exclude_same_image: Schema.optionalKey(Schema.Boolean)
  })),
  min_distinct: Schema.optionalKey(Count),
  keep_degenerate: Schema.optionalKey(Schema.Boolean),
  backend: Schema.optionalKey(Schema.String),
  seed: Schema.optionalKey(Schema.Int)
})
export type Settings = typeof Settings.Type

export const Report = Schema.Struct({
  experiment: Schema.String,
  spec_sha256: Schema.String,
  /** dataset ids, in the spec's order */
  datasets: Schema.Array(Schema.String),
  /** the metrics MQ is the mean of, e.g. ["bleu4", "meteor", "rouge_l"] */
  mq_metrics: Schema.Array(Schema.String),
  /** eval set -> the metrics its column computed and MQ averaged (datasets.<id>.metrics/mq);
   * the REVO-LION eval set has `per_dataset` when each dataset's items were scored with its own */
  eval_metrics: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({
    metrics: Schema.Array(Schema.String), mq: Schema.Array(Schema.String), per_dataset: Schema.optionalKey(Schema.Boolean)
  }))),
  /** tune set -> eval set -> cell; a missing cell is a failed or skipped task */
  cross: Schema.Record(Schema.String, Schema.Record(Schema.String, CrossCell)),
  dq: Schema.Record(Schema.String, Num),
  sq: Schema.Record(Schema.String, SqSummary),
  sq_hist: SqHistogram,
  revolion: Revolion,
  comparison: Comparisons,
  provenance: Provenance,
  bad_rows: Schema.Record(Schema.String, BadRows),
  settings: Schema.optionalKey(Settings),
  backend: Schema.optionalKey(Backend),
  /** DQ variants: in-domain normalised, raw (normalize none), normalised with self */
  dq_variants: Schema.optionalKey(Schema.Struct({
    normalized: Schema.Record(Schema.String, Num),
    raw: Schema.Record(Schema.String, Num),
    with_self: Schema.Record(Schema.String, Num)
  })),
  /** DQ on mean sample-level MQ with a 95% paired bootstrap interval over eval items (select.proof.bootstrap resamples) */
  dq_interval: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({ point: Num, lo: Num, hi: Num }))),
  /** eval set -> the tune set that beats the eval set's own model in its column */
  dq_not_best: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /** degenerate cells `tune@eval` of the matrix (the proof's own are in proof.degenerate) */
  degenerate: Schema.optionalKey(Schema.Record(Schema.String, Degeneracy)),
  /** per dataset and part: models left out of SQ and why */
  sq_notes: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({ train: SqNotePart, eval: SqNotePart }))),
  proof: Schema.optionalKey(Proof)
})
export type Report = typeof Report.Type

/** Decode an unknown value (parsed report.json) into a Report; throws a SchemaError with every problem. */
export const decodeReport = (u: unknown): Report =>
  Schema.decodeUnknownSync(Report)(u, { errors: "all", onExcessProperty: "error" })

/** Tune sets in display order: the datasets, then union, REVO-LION, random. */
export const tuneSets = (r: Pick<Report, "datasets">): ReadonlyArray<string> => [...r.datasets, ...EXTRA_TUNE_SETS]

/** Eval sets in display order: the datasets, then the REVO-LION eval set. */
export const evalSets = (r: Pick<Report, "datasets">): ReadonlyArray<string> => [...r.datasets, ...EXTRA_EVAL_SETS]
