/**
 * What the load and split tasks write, as Schemas: the samples a task hands on, a load's summary
 * and the split's summary. A consumer's input handle carries one of these and the runner checks
 * the stored JSON against it (src/runtime/task.ts), so a format that drifted from its readers
 * fails the reading task by name instead of flowing on as a wrong cast. The schemas are typed
 * against the interfaces the code uses, so the compiler keeps the two in step.
 */
import * as Schema from "effect/Schema"
import type { BadRow } from "./errors.ts"
import type { Sample } from "./sample.ts"

const Origin = Schema.Struct({ file: Schema.String, line: Schema.optionalKey(Schema.Number), index: Schema.optionalKey(Schema.Number) })
const ImageRef = Schema.Struct({ id: Schema.optionalKey(Schema.String), path: Schema.optionalKey(Schema.String) })
const Turn = Schema.Struct({ instruction: Schema.String, references: Schema.Array(Schema.String) })

export const SampleSchema: Schema.Decoder<Sample> = Schema.Struct({
  id: Schema.String,
  dataset: Schema.String,
  image: ImageRef,
  context: Schema.optionalKey(Schema.String),
  turns: Schema.Array(Turn),
  task: Schema.optionalKey(Schema.String),
  license: Schema.optionalKey(Schema.String),
  origin: Origin
})

/** A set of samples (a dataset, a split, a fold, a selected tune or eval set). */
export const Samples: Schema.Decoder<ReadonlyArray<Sample>> = Schema.Array(SampleSchema)

/** What each load task writes as its summary (src/plan/steps-data.ts). */
export interface LoadSummary {
  readonly samples: number
  readonly items: number
  /** every bad row (src/data/errors.ts BadRow): the report lists them all in bad-rows.jsonl */
  readonly bad_rows: { readonly count: number; readonly rows: ReadonlyArray<BadRow> }
  readonly filtered: number
  /** read back by `revo run`, which prints them (cached loads included) */
  readonly warnings: ReadonlyArray<string>
}

export const LoadSummarySchema: Schema.Decoder<LoadSummary> = Schema.Struct({
  samples: Schema.Number,
  items: Schema.Number,
  bad_rows: Schema.Struct({
    count: Schema.Number,
    rows: Schema.Array(Schema.Struct({
      file: Schema.String,
      line: Schema.optionalKey(Schema.Number),
      index: Schema.optionalKey(Schema.Number),
      key: Schema.optionalKey(Schema.String),
      records: Schema.optionalKey(Schema.String),
      reason: Schema.String
    }))
  }),
  filtered: Schema.Number,
  warnings: Schema.Array(Schema.String)
})

/** What the split task writes as its summary, per dataset. */
export interface SplitSummary {
  readonly [dataset: string]: {
    readonly train: number
    readonly eval: number
    readonly moved_for_leakage: number
    readonly train_items: number
    readonly eval_items: number
  }
}

export const SplitSummarySchema: Schema.Decoder<SplitSummary> = Schema.Record(Schema.String, Schema.Struct({
  train: Schema.Number,
  eval: Schema.Number,
  moved_for_leakage: Schema.Number,
  train_items: Schema.Number,
  eval_items: Schema.Number
}))
