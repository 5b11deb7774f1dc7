/**
 * How a dataset is declared: where its bytes are, which adapter reads them, and how source
 * fields map onto the Sample model (DESIGN.md section 3).
 *
 * The mapping language (for json / jsonl / csv), used by `fields`, `context` and joins:
 * - a dotted path picks a value: `question`, `answers[0].answer`, `meta.image.id`;
 * - `[*]` fans out over a list: `answers[*]` gives every answer (a list of references);
 * - a string with `{...}` is a template: `{answers[0].answer} because {explanation[*]}` gives
 *   one string per element of the fanned-out path (three references for VQA-X);
 * - a join's name is a root: `caps[*].caption` reads the rows joined as `caps`;
 * - `$key` is the record's key (records: "*"), `$index` its 0-based position, `$line` its line;
 * - `["full answer"]` quotes a field name with spaces; `[-1]` is the last element;
 * - a path that reaches a list of texts gives its elements (`captions` = `captions[*]`).
 * The syntax is checked here, so `revo validate` reports a bad expression with its position.
 */
import * as Schema from "effect/Schema"
import { compileExpr, compilePath } from "./mapping.ts"
import { compileWhere, isWhereError, whereErrorText } from "./where.ts"
import { Citation } from "./citation.ts"
import { NonEmpty, SizeOrFraction, Slug, withDefault } from "./fields.ts"
import { MetricNameSchema } from "./metric-sets.ts"

/** A path or a template (see the module comment). */
export const Expression = NonEmpty.check(Schema.makeFilter((s: string) => {
  const r = compileExpr(s)
  return typeof r === "string" ? r : true
}))

/** A path only. */
export const PathExpression = NonEmpty.check(Schema.makeFilter((s: string) => {
  const r = compilePath(s)
  return typeof r === "string" ? r : true
}))

/** A row filter (see src/data/where.ts and docs/spec.md). */
export const WhereExpression = NonEmpty.check(Schema.makeFilter((s: string) => {
  const r = compileWhere(s)
  return isWhereError(r) ? whereErrorText(r, s) : true
}))

/**
 * The instruction a dataset gives: a fixed text, or a template around the source's own
 * instruction (`"{instruction}\nAnswer with the option's letter."`) that may also read record
 * fields (`{choices[*]}` is not allowed: a placeholder must give one text).
 */
export const InstructionText = NonEmpty.check(Schema.makeFilter((s: string) => {
  if (!s.includes("{") && !s.includes("}")) return true
  const r = compileExpr(s)
  return typeof r === "string" ? r : r.fansOut ? `instruction template ${JSON.stringify(s)} fans out ([*]); an instruction is one text` : true
}))

export const Formats = ["llava", "coco-captions", "json", "jsonl", "csv"] as const
export const Format = Schema.Literals(Formats)
export type Format = typeof Format.Type

/** A local path (relative to data_root) or a Hub reference `hf://datasets/ORG/NAME@REVISION/PATH`. */
export const SourcePath = NonEmpty

export const Source = Schema.Struct({
  format: Format.annotate({ description: "How the file is read: llava, coco-captions, json, jsonl or csv." }),
  path: SourcePath.annotate({ description: "A path under data_root, or a Hub file hf://datasets/ORG/NAME@REVISION/PATH." }),
  /** Where the records are inside a JSON document: a dotted path to an array (`annotations`),
   * or `*` for the values of an object keyed by id (VQA-X; `data.*` inside a field). Default: the
   * document itself. The llava format reads a `.jsonl` file line by line, any other as JSON. */
  records: Schema.optionalKey(NonEmpty),
  delimiter: Schema.optionalKey(Schema.String).annotate({ description: "CSV only." })
})
export type Source = typeof Source.Type

/** A second file joined onto each record by key (answers by question id, captions by image id). */
export const Join = Schema.Struct({
  /** The name the joined rows are reachable under in the mapping (`caps[*].caption`). */
  as: Schema.String.check(Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_]*$/u, { message: "Expected an identifier (letters, digits, _)" })),
  path: SourcePath,
  format: withDefault(Schema.Literals(["json", "jsonl", "csv"]), "json"),
  records: Schema.optionalKey(NonEmpty),
  delimiter: Schema.optionalKey(Schema.String).annotate({ description: "CSV only." }),
  key: Expression.annotate({ description: "The key of a joined row: a path (`question_id`), `$key` for records given as an object keyed by id (records: \"*\"), or a template for a composite key (`\"{image}:{question_id}\"`)." }),
  on: Expression.annotate({ description: "The value of the main record that must equal the joined row's key: a path, or a template (composite key)." }),
  many: withDefault(Schema.Boolean, false, "Keep every matching row (a list) rather than the single match."),
  match: withDefault(Schema.Literals(["exact", "coco-image-id"]), "exact", "Normalise both sides as COCO image ids (integers inside file names such as COCO_val2014_000000262284.jpg)."),
  required: withDefault(Schema.Boolean, false, "A record with no match is a bad row (else the join's name is simply absent for it).")
})
export type Join = typeof Join.Type

/**
 * Field mapping: each value is a path or a template (see the module comment). Defaults:
 * llava `id`/`image`; coco-captions `id`/`id` (image_path `file_name`); json/jsonl/csv: the
 * record's key (records "*"), else its line (jsonl, csv) or index (json), and no image.
 */
export const Fields = Schema.Struct({
  id: Schema.optionalKey(Expression),
  image: Schema.optionalKey(Expression).annotate({ description: "The image: its id is derived from this value under image_ids." }),
  image_path: Schema.optionalKey(Expression).annotate({ description: "The image's file as given, where image holds only an id (default: image when it is a text)." }),
  instruction: Schema.optionalKey(Expression),
  references: Schema.optionalKey(Schema.Union([Expression, Schema.Array(Expression)])).annotate({ description: "One expression or several; all their texts are references (empty ones are skipped)." }),
  task: Schema.optionalKey(Expression)
})
export type Fields = typeof Fields.Type

export const DatasetSplit = Schema.Struct({
  eval: Schema.optionalKey(SizeOrFraction).annotate({ description: "Eval size for this dataset: a count, or a fraction of its samples." })
})

/** Mapped fields a record may lack: it then loads without them (an image-less row is a text-only sample). */
export const OptionalFields = ["image", "id"] as const

/**
 * The `image?: <path>` shorthand of `fields` (likewise `id?`): `image: <path>` plus `image` in the
 * dataset's `optional`. Applied to the raw spec before decoding, so what is decoded, keyed and
 * loaded is the long form (both forms give the same dataset key). Mutates `datasets` in place;
 * returns each misuse with the spec path of its key.
 */
export const desugarOptionalFields = (datasets: unknown): Array<{ readonly path: ReadonlyArray<string>; readonly message: string }> => {
  const problems: Array<{ path: ReadonlyArray<string>; message: string }> = []
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v)
  if (!isObject(datasets)) return problems
  for (const id of Object.keys(datasets)) {
    const d = datasets[id]
    if (!isObject(d) || !isObject(d["fields"])) continue
    const fields = d["fields"]
    for (const key of Object.keys(fields)) {
      if (!key.endsWith("?")) continue
      const name = key.slice(0, -1)
      const path = ["datasets", id, "fields", key]
      if (!(OptionalFields as ReadonlyArray<string>).includes(name)) {
        problems.push({ path, message: `only ${OptionalFields.map((f) => `${f}?`).join(" and ")} may be marked optional; a record without ${name} cannot become a sample` })
        continue
      }
      if (name in fields) {
        problems.push({ path, message: `fields.${name} is declared twice: write either ${name}: (required) or ${name}?: (optional)` })
        continue
      }
      fields[name] = fields[key]
      delete fields[key]
      const optional = d["optional"]
      if (optional === undefined) d["optional"] = [name]
      // a malformed optional is left to the schema to report
      else if (Array.isArray(optional) && !optional.includes(name)) d["optional"] = [...optional, name]
    }
  }
  return problems
}

export const Dataset = Schema.Struct({
  source: Source,
  fields: Schema.optionalKey(Fields),
  // optionalKey (not a default), so declarations without it keep their dataset keys.
  optional: Schema.optionalKey(Schema.Array(Schema.Literals(OptionalFields))).annotate({ description: "Mapped fields a record may lack: image (the row becomes a text-only sample), id (falls back to the record's key, line or index)." }),
  where: Schema.optionalKey(WhereExpression).annotate({ description: "Keep only the rows for which this holds, e.g. `exists image and category in [conv, detail]` (=, !=, in [..], exists, and, or, not; raw paths and mapped $id, $image, $task, ...). Dropped rows are counted, not bad." }),
  joins: withDefault(Schema.Array(Join), []),
  /** Text standing in for the image (path or template, may read joins); several values are joined by newlines.
   * A record for which it is missing (an unmatched join) simply has no context. */
  context: Schema.optionalKey(Expression),
  instruction: Schema.optionalKey(InstructionText).annotate({ description: "A fixed instruction, or a template over the source's own: {instruction} is the source's instruction (llava: each turn's; json/jsonl/csv: fields.instruction), other {field}s read the record." }),
  /** How image values become ids: `coco` normalises COCO ids (integers, 12-digit names, COCO_val2014_...jpg) so the
   * leakage rule sees one image across datasets; any other word is a namespace (`gqa` gives `gqa:n518912.jpg`).
   * Default: `coco` for coco-captions, else the dataset id (so unrelated images never collide). */
  image_ids: Schema.optionalKey(Slug),
  license: Schema.optionalKey(NonEmpty),
  citation: Schema.optionalKey(Citation),
  benchmark: Schema.optionalKey(Schema.Union([NonEmpty, Schema.Literal(false)])).annotate({
    description: "The benchmark evaluation split this data is (e.g. GQA testdev-balanced), named in the card's contamination warning; false: none. Default: inferred for well-known benchmarks."
  }),
  task: Schema.optionalKey(NonEmpty),
  description: Schema.optionalKey(Schema.String),
  split: Schema.optionalKey(DatasetSplit),
  metrics: Schema.optionalKey(Schema.Array(MetricNameSchema)).annotate({
    description: "Metrics for this dataset's eval items, instead of the experiment's `metrics` (e.g. [yes_no] for POPE, [vqa_accuracy, exact_match] for VQA)."
  }),
  mq: Schema.optionalKey(Schema.Array(MetricNameSchema)).annotate({
    description: "The metrics MQ averages on this dataset's eval items, instead of quality.mq; default: all of this dataset's metrics when it sets them."
  })
})
export type Dataset = typeof Dataset.Type
