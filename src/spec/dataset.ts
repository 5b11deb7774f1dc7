/**
 * How a dataset is declared: where its bytes are, which adapter reads them, and how source
 * fields map onto the Sample model (DESIGN.md section 3).
 *
 * The mapping language (for json / jsonl / csv), used by `fields`, `context` and joins:
 * - a dotted path picks a value: `question`, `answers[0].answer`, `meta.image.id`;
 * - `[*]` fans out over a list: `answers[*]` gives every answer (a list of references);
 * - a string with `{...}` is a template: `{answers[0].answer} because {explanation[*]}` gives
 *   one string per element of the fanned-out path (three references for VQA-X);
 * - a join's name is a root: `caps[*].caption` reads the rows joined as `caps`.
 */
import { Schema } from "effect"
import { NonEmpty, SizeOrFraction, withDefault } from "./fields.ts"

export const Formats = ["llava", "coco-captions", "json", "jsonl", "csv"] as const
export const Format = Schema.Literals(Formats)
export type Format = typeof Format.Type

/** A local path (relative to data_root) or a Hub reference `hf://datasets/ORG/NAME@REVISION/PATH`. */
export const SourcePath = NonEmpty

export const Source = Schema.Struct({
  format: Format,
  path: SourcePath,
  /** Where the records are inside a JSON document: a dotted path to an array (`annotations`),
   * or `*` for the values of an object keyed by id (VQA-X). Default: the document itself. */
  records: Schema.optionalKey(NonEmpty),
  /** CSV only. */
  delimiter: Schema.optionalKey(Schema.String)
})
export type Source = typeof Source.Type

/** A second file joined onto each record by key (answers by question id, captions by image id). */
export const Join = Schema.Struct({
  /** The name the joined rows are reachable under in the mapping (`caps[*].caption`). */
  as: Schema.String.check(Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_]*$/u, { message: "Expected an identifier (letters, digits, _)" })),
  path: SourcePath,
  format: withDefault(Schema.Literals(["json", "jsonl", "csv"]), "json"),
  records: Schema.optionalKey(NonEmpty),
  /** The key field in the joined file. */
  key: NonEmpty,
  /** The field (path) of the main record whose value must equal `key`. */
  on: NonEmpty,
  /** Keep every matching row (a list) rather than the single match. */
  many: withDefault(Schema.Boolean, false),
  /** Normalise both sides as COCO image ids (integers inside file names such as COCO_val2014_000000262284.jpg). */
  match: withDefault(Schema.Literals(["exact", "coco-image-id"]), "exact"),
  /** What to do with a record that has no match. */
  required: withDefault(Schema.Boolean, false)
})
export type Join = typeof Join.Type

/** Field mapping: each value is a path or a template (see the module comment). */
export const Fields = Schema.Struct({
  id: Schema.optionalKey(NonEmpty),
  image: Schema.optionalKey(NonEmpty),
  instruction: Schema.optionalKey(NonEmpty),
  references: Schema.optionalKey(Schema.Union([NonEmpty, Schema.Array(NonEmpty)])),
  task: Schema.optionalKey(NonEmpty)
})
export type Fields = typeof Fields.Type

export const DatasetSplit = Schema.Struct({
  /** Eval size for this dataset: a count, or a fraction of its samples. */
  eval: Schema.optionalKey(SizeOrFraction)
})

export const Dataset = Schema.Struct({
  source: Source,
  fields: Schema.optionalKey(Fields),
  joins: withDefault(Schema.Array(Join), []),
  /** Text standing in for the image (path or template, may read joins); several values are joined by newlines. */
  context: Schema.optionalKey(NonEmpty),
  /** The instruction for formats without one (coco-captions), or to override the source's. */
  instruction: Schema.optionalKey(NonEmpty),
  license: Schema.optionalKey(NonEmpty),
  task: Schema.optionalKey(NonEmpty),
  description: Schema.optionalKey(Schema.String),
  split: Schema.optionalKey(DatasetSplit)
})
export type Dataset = typeof Dataset.Type
