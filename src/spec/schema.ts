/**
 * The experiment spec language: one YAML file describes a whole tune-cross-evaluation study.
 * Everything has a sensible default except the name and the datasets, so a short spec is enough.
 */
import * as Schema from "effect/Schema"
import { Dataset } from "./dataset.ts"
import { Fraction, NonEmpty, NonNegativeInt, PositiveInt, SizeOrFraction, Slug, defaultedSection, withDefault } from "./fields.ts"
import { DEFAULT_METRICS } from "./metric-names.ts"
import { HUB_REPO_ID } from "./hub-repo.ts"
import { MetricNameSchema } from "./metric-sets.ts"

export { DEFAULT_METRICS }
export const MetricName = MetricNameSchema
export type MetricName = typeof MetricName.Type

export const Split = Schema.Struct({
  eval: withDefault(SizeOrFraction, 0.1, "Eval size per dataset: a count, or a fraction of each dataset (datasets may override)."),
  seed: Schema.optionalKey(Schema.Int).annotate({ description: "Defaults to the experiment's seed." }),
  leakage: withDefault(Schema.Literals(["image", "none"]), "image", "image: no image id in any eval split may appear in any train split."),
  max_bad_fraction: withDefault(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })), 0.01, "A load fails when more than this fraction of a dataset's rows are bad.")
})

const Memory = Schema.String.check(Schema.isPattern(/^[0-9]+[KMGT]?$/u, { message: "Expected a memory size such as 16G or 4000M" }))
const TimeLimit = Schema.String.check(
  Schema.isPattern(/^([0-9]+-)?[0-9]+(:[0-9]{2}){0,2}$/u, { message: "Expected a Slurm time limit such as 02:00:00, 30 or 1-00:00:00" })
)

export const Resources = Schema.Struct({
  cpus: Schema.optionalKey(PositiveInt),
  gpus: Schema.optionalKey(NonNegativeInt),
  mem: Schema.optionalKey(Memory),
  time: Schema.optionalKey(TimeLimit)
})

export const Executor = Schema.Union([
  Schema.Struct({
    kind: Schema.Literal("local"),
    retry: Schema.optionalKey(Schema.Struct({
      max: withDefault(NonNegativeInt, 1),
      time_factor: withDefault(Schema.Number.check(Schema.isGreaterThanOrEqualTo(1)), 2)
    })).annotate({ description: "Retry a task that ran past backend.resources.time with its limit multiplied (as Slurm TIMEOUTs are)." })
  }),
  Schema.Struct({
    kind: Schema.Literal("slurm"),
    partition: Schema.optionalKey(NonEmpty),
    gres: Schema.optionalKey(NonEmpty),
    cpus: Schema.optionalKey(PositiveInt),
    mem: Schema.optionalKey(Memory),
    time: Schema.optionalKey(TimeLimit),
    extra_args: withDefault(Schema.Array(Schema.String), []),
    retry: Schema.optionalKey(Schema.Struct({
      max: withDefault(NonNegativeInt, 1),
      mem_factor: withDefault(Schema.Number.check(Schema.isGreaterThanOrEqualTo(1)), 2),
      time_factor: withDefault(Schema.Number.check(Schema.isGreaterThanOrEqualTo(1)), 2)
    })).annotate({ description: "Retry a job that ran out of memory or time with more of it." })
  })
])

export const Backend = Schema.Struct({
  plugin: withDefault(NonEmpty, "retrieval", "A built-in plugin name (retrieval) or a path to a plugin folder with a revo-plugin.json."),
  params: withDefault(Schema.Record(Schema.String, Schema.Unknown), {}, "Plugin parameters (decoding settings included): part of every tune/predict task key."),
  executor: withDefault(Executor, { kind: "local" as const }),
  resources: withDefault(Resources, {}),
  env: withDefault(Schema.Array(Schema.String.check(Schema.isPattern(/^[A-Z_][A-Z0-9_]*$/u, { message: "Expected an environment variable name" }))), [], "Environment variables the plugin may see (e.g. HF_TOKEN); nothing else is passed on.")
})

const MinSignal = Schema.Struct({
  mean: withDefault(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)), 1e-6),
  nonzero: withDefault(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })), 0.05)
})

export const Quality = Schema.Struct({
  mq: Schema.optionalKey(Schema.Array(MetricName)).annotate({ description: "The metrics MQ averages; default: all of metrics. A dataset may set its own (datasets.<id>.mq)." }),
  dq: defaultedSection(Schema.Struct({
    normalize: withDefault(Schema.Literals(["in_domain", "none"]), "in_domain"),
    include_self: withDefault(Schema.Boolean, false)
  })),
  sq: defaultedSection(Schema.Struct({
    normalize: withDefault(Schema.Literals(["rank", "ratio", "zscore"]), "rank", "How each model's sample MQ is made comparable before averaging: rank (mid-rank percentile among the dataset's samples of the same part, ties averaged), ratio (divided by the model's mean on the dataset), zscore."),
    min_signal: defaultedSection(MinSignal, "ratio and zscore: a model whose mean sample MQ on a dataset, or whose share of items above that mean floor, is below these is left out of the dataset's SQ (listed in the report)."),
    crossfit: withDefault(NonNegativeInt.check(Schema.makeFilter((k: number) => k === 0 || k >= 2 || "Expected 0 (off) or at least 2 folds")), 0, "Also score a sample with K-fold models tuned on its own dataset, out of fold; folds are grouped by image (0: off)."),
    exclude_same_image: withDefault(Schema.Boolean, false, "A model whose train split holds a sample's image does not score that sample.")
  })),
  min_distinct: withDefault(PositiveInt, 5, "A model whose answers on an eval set have fewer distinct strings than this (or whose most common answer covers more than half of the items) is degenerate there."),
  keep_degenerate: withDefault(Schema.Boolean, false, "Keep degenerate cells in DQ, SQ and the proof's headline (they are flagged either way).")
})

export const Select = Schema.Struct({
  budget: withDefault(Fraction, 0.5, "Fraction of each dataset's train split kept in REVO-LION."),
  policy: withDefault(Schema.Literals(["per_dataset", "global"]), "per_dataset", "per_dataset: the top budget of each dataset, so none crowds out another. global: top budget overall."),
  per_dataset: withDefault(Schema.Record(Schema.String, Schema.Struct({ budget: Fraction })), {}, "Per-dataset budget overrides."),
  eval_size: withDefault(SizeOrFraction, 0.5, "REVO-LION eval items drawn per dataset from its eval split, by SQ."),
  controls: defaultedSection(Schema.Struct({
    union: withDefault(Schema.Boolean, true),
    random: withDefault(Schema.Boolean, true),
    seed: Schema.optionalKey(Schema.Int).annotate({ description: "First seed of the random controls; default: the experiment's seed." }),
    seeds: withDefault(PositiveInt, 5, "How many random controls (seeds seed, seed+1, ...), each stratified to REVO-LION's per-dataset sizes.")
  })),
  proof: defaultedSection(Schema.Struct({
    bootstrap: withDefault(PositiveInt, 1000, "Paired bootstrap resamples over eval items (seeded) for the intervals of REVO-LION - union and REVO-LION - random."),
    margin: withDefault(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })), 0.02, "Relative band: REVO-LION matches a control when the 95% interval of the relative difference lies inside +-margin."),
    budgets: withDefault(Schema.Array(Fraction), [0.1, 0.25, 0.5, 0.75], "Budget curve: REVO-LION and the stratified random control at these budgets, against the union ([] turns it off)."),
    budget_seeds: withDefault(PositiveInt, 1, "Random controls (seeds select.controls.seed, +1, ...) at each budget of the curve other than select.budget, which has select.controls.seeds; each is one more tune set."),
    bottom: withDefault(Schema.Boolean, true, "Ablation: tune on the bottom of each dataset by SQ (REVO-LION's sizes).")
  }))
})

export const Report = Schema.Struct({
  title: Schema.optionalKey(NonEmpty),
  formats: withDefault(Schema.Array(Schema.Literals(["json", "md", "html"])), ["json", "md", "html"]),
  examples: withDefault(NonNegativeInt, 2, "Example items shown per dataset.")
})

export const Publish = Schema.Struct({
  repo: Schema.optionalKey(Schema.String.check(Schema.isPattern(HUB_REPO_ID, { message: "Expected a Hub repo id ORG/NAME" }))),
  private: withDefault(Schema.Boolean, false),
  revision: withDefault(NonEmpty, "main"),
  endpoint: Schema.optionalKey(NonEmpty),
  shard_mb: withDefault(PositiveInt, 256, "Largest Parquet shard, in MB."),
  pretty_name: Schema.optionalKey(NonEmpty).annotate({ description: "The card's title and the Hub's pretty_name. Default: REVO-LION (<experiment>)." }),
  source_datasets: Schema.optionalKey(Schema.Array(NonEmpty)).annotate({ description: "Hub ids (or names) of the source datasets, for the card's source_datasets. Default: none listed." }),
  task_categories: Schema.optionalKey(Schema.Array(NonEmpty)).annotate({ description: "Hub task categories. Default: visual-question-answering, image-to-text." })
})

/** Where hf:// dataset sources come from (the token is read from HF_TOKEN, never from the spec). */
export const Hub = Schema.Struct({
  endpoint: Schema.optionalKey(NonEmpty).annotate({ description: "Default: HF_ENDPOINT, else https://huggingface.co" }),
  cache_dir: Schema.optionalKey(NonEmpty).annotate({ description: "Download cache, relative to the spec file. Default: REVO_CACHE_DIR/hub, else .cache/revo/hub" })
})

export const Spec = Schema.Struct({
  name: Slug.annotate({ description: "Experiment id (lowercase slug); results go to results/<name>/." }),
  description: Schema.optionalKey(Schema.String),
  seed: withDefault(Schema.Int, 0),
  data_root: withDefault(NonEmpty, ".", "Root of local dataset paths, relative to the spec file (or REVO_DATA_ROOT / --data-root)."),
  datasets: Schema.Record(Slug, Dataset).annotate({ description: "The datasets, keyed by id (lowercase slug); at least two." }).check(
    Schema.makeFilter((r: Record<string, unknown>) => Object.keys(r).length >= 2 || "Expected at least two datasets (cross-evaluation needs others to compare with)")
  ),
  split: defaultedSection(Split),
  backend: defaultedSection(Backend),
  metrics: withDefault(Schema.Array(MetricName), DEFAULT_METRICS),
  quality: defaultedSection(Quality),
  select: defaultedSection(Select),
  report: defaultedSection(Report),
  hub: defaultedSection(Hub),
  publish: defaultedSection(Publish)
})
export type Spec = typeof Spec.Type
export type SpecInput = typeof Spec.Encoded
