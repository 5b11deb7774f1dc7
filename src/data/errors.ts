/**
 * Typed failures of loading a dataset. Rows that cannot become samples are not errors: they are
 * `BadRow`s, counted and listed, and only fail the load (TooManyBadRows) above the allowed fraction.
 */
import * as Schema from "effect/Schema"

/** One row that did not become a sample, and why. */
export interface BadRow {
  /** The file as declared (relative to data_root, or the hf:// URL). */
  readonly file: string
  /** 1-based line (jsonl, csv). */
  readonly line?: number
  /** 0-based position in the record list (json). */
  readonly index?: number
  /** The record's key where records are the values of an object (VQA-X). */
  readonly key?: string
  /** The list `index` counts in, where a file has several (COCO's images, annotations). */
  readonly records?: string
  readonly reason: string
}

export const formatBadRow = (b: BadRow): string => {
  const where = b.line !== undefined ? `:${b.line}` : b.index !== undefined ? ` ${b.records ?? "record"}[${b.index}]` : ""
  const key = b.key !== undefined ? ` (key ${JSON.stringify(b.key)})` : ""
  return `${b.file}${where}${key}: ${b.reason}`
}

/** A source or join file cannot be read or parsed, or its records are not where the declaration says. */
export class DataFileError extends Schema.TaggedError<DataFileError>()("DataFileError", {
  dataset: Schema.String,
  file: Schema.String,
  message: Schema.String
}) {}

/** A mapping expression (path or template) does not parse. */
export class DataMappingError extends Schema.TaggedError<DataMappingError>()("DataMappingError", {
  dataset: Schema.String,
  /** Where in the declaration: fields.references, context, joins.0.key ... */
  field: Schema.String,
  expression: Schema.String,
  message: Schema.String
}) {}

/** A join whose key is not unique in the joined file while `many` is false. */
export class DataJoinError extends Schema.TaggedError<DataJoinError>()("DataJoinError", {
  dataset: Schema.String,
  join: Schema.String,
  message: Schema.String
}) {}

/** More bad rows than `split.max_bad_fraction` allows. */
export class TooManyBadRows extends Schema.TaggedError<TooManyBadRows>()("TooManyBadRows", {
  dataset: Schema.String,
  bad: Schema.Number,
  rows: Schema.Number,
  maxFraction: Schema.Number,
  /** The first few, formatted `file:line: reason`. */
  examples: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`
    return `Dataset ${this.dataset}: ${this.bad} of ${this.rows} rows are bad (${pct(this.bad / Math.max(1, this.rows))}, ` +
      `more than split.max_bad_fraction ${pct(this.maxFraction)}). First ones:\n` +
      this.examples.map((e) => `  - ${e}`).join("\n")
  }
}

/** A dataset that gives no sample at all (an empty file, every row bad or dropped by `where`): never a silent empty study. */
export class EmptyDataset extends Schema.TaggedError<EmptyDataset>()("EmptyDataset", {
  dataset: Schema.String,
  file: Schema.String,
  rows: Schema.Number,
  bad: Schema.Number,
  filtered: Schema.Number,
  where: Schema.optionalKey(Schema.String),
  examples: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const why = this.rows === 0
      ? `${this.file} holds no records`
      : [
        this.filtered > 0 ? `${this.filtered} dropped by where: ${this.where ?? ""}` : "",
        this.bad > 0 ? `${this.bad} bad` : ""
      ].filter((x) => x !== "").join(", ")
    return `Dataset ${this.dataset} has no samples: ${this.rows === 0 ? why : `of ${this.rows} rows of ${this.file}, ${why}`}` +
      (this.examples.length > 0 ? `. First bad rows:\n${this.examples.map((e) => `  - ${e}`).join("\n")}` : "")
  }
}

export type DataError = DataFileError | DataMappingError | DataJoinError | TooManyBadRows | EmptyDataset
