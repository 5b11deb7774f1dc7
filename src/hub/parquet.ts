/**
 * REVO-LION rows as Parquet, written with hyparquet-writer (maintained, pure JS, nested types via
 * an explicit schema) and read back with hyparquet.
 *
 * Types follow what pyarrow writes and `datasets` / the Hub viewer read: UTF8 strings, DOUBLE
 * floats, and the standard three-level LIST (`<name> (LIST) / list (repeated) / element`) for
 * turns, references and per-model values. Output bytes depend only on the rows: no timestamps,
 * a fixed `created_by`, fixed codec, page and row-group sizes.
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import * as Effect from "effect/Effect"
import { parquetReadObjects } from "hyparquet"
import { parquetWriteBuffer } from "hyparquet-writer"
import type { Sample } from "../data/sample.ts"
import { ParquetError, errorText } from "./errors.ts"

export interface TurnRow {
  readonly instruction: string
  readonly references: ReadonlyArray<string>
}

/** One REVO-LION train or eval sample. */
export interface SampleRow {
  /** the id as the source gives it: unique within its dataset only */
  readonly id: string
  readonly dataset: string
  /** `dataset/id`: unique across the whole set */
  readonly sample_key: string
  /** the image file name or id as the source gives it */
  readonly image: string | null
  /** revo's normalised image id (COCO ids as integers, others namespaced: `gqa:n518912.jpg`), the one the leakage rule compares */
  readonly image_id: string | null
  readonly context: string | null
  readonly turns: ReadonlyArray<TurnRow>
  readonly sq: number
}

/** One train sample's SQ and the value each other-dataset model gave it. */
export interface SqRow {
  readonly id: string
  readonly dataset: string
  readonly sample_key: string
  readonly sq: number
  readonly per_model: ReadonlyArray<{ readonly model: string; readonly value: number }>
}

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]["schema"]>[number]

const str = (name: string, repetition: "REQUIRED" | "OPTIONAL" = "REQUIRED"): SchemaElement =>
  ({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: repetition })
const dbl = (name: string): SchemaElement => ({ name, type: "DOUBLE", repetition_type: "REQUIRED" })
/** `name` (LIST) / list (REPEATED) / element: the element's own elements follow it in preorder. */
const list = (name: string): Array<SchemaElement> => [
  { name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 }
]

export const SAMPLE_SCHEMA: ReadonlyArray<SchemaElement> = [
  { name: "schema", num_children: 8 },
  str("id"),
  str("dataset"),
  str("sample_key"),
  str("image", "OPTIONAL"),
  str("image_id", "OPTIONAL"),
  str("context", "OPTIONAL"),
  ...list("turns"),
  { name: "element", repetition_type: "REQUIRED", num_children: 2 },
  str("instruction"),
  ...list("references"),
  str("element"),
  dbl("sq")
]

export const SQ_SCHEMA: ReadonlyArray<SchemaElement> = [
  { name: "schema", num_children: 5 },
  str("id"),
  str("dataset"),
  str("sample_key"),
  dbl("sq"),
  ...list("per_model"),
  { name: "element", repetition_type: "REQUIRED", num_children: 2 },
  str("model"),
  dbl("value")
]

/** The `datasets` feature description of each schema, for the card's dataset_info. */
export const SAMPLE_FEATURES = [
  { name: "id", dtype: "string" },
  { name: "dataset", dtype: "string" },
  { name: "sample_key", dtype: "string" },
  { name: "image", dtype: "string" },
  { name: "image_id", dtype: "string" },
  { name: "context", dtype: "string" },
  { name: "turns", list: [{ name: "instruction", dtype: "string" }, { name: "references", list: "string" }] },
  { name: "sq", dtype: "float64" }
] as const

export const SQ_FEATURES = [
  { name: "id", dtype: "string" },
  { name: "dataset", dtype: "string" },
  { name: "sample_key", dtype: "string" },
  { name: "sq", dtype: "float64" },
  { name: "per_model", list: [{ name: "model", dtype: "string" }, { name: "value", dtype: "float64" }] }
] as const

// Fixed here rather than left to the library's defaults, so a library upgrade cannot silently change bytes.
const WRITE_OPTIONS = {
  codec: "SNAPPY",
  pageSize: 1 << 20,
  statistics: true,
  createdBy: "revo"
} as const

/**
 * Row groups are cut by size, not by row count: the Hub's dataset viewer refuses row groups whose
 * rows take more than about 286 MiB in memory ("Rows from parquet row groups are too big to be
 * read"), and a row count says nothing about bytes when a row can hold a long conversation.
 * 32 MiB (estimated, uncompressed) stays well under that and still gives few groups.
 */
export const DEFAULT_ROW_GROUP_BYTES = 32 * 1024 * 1024
/** A row group also never holds more rows than this (the library's own upper default). */
const MAX_ROW_GROUP_ROWS = 100_000

export interface EncodeOptions {
  /** estimated uncompressed bytes per row group; default DEFAULT_ROW_GROUP_BYTES */
  readonly rowGroupBytes?: number
}

/** Row counts of consecutive row groups: each as many rows as fit `maxBytes` (at least one row). */
export const rowGroupSizes = (rows: ReadonlyArray<unknown>, maxBytes: number): Array<number> => {
  if (!(maxBytes > 0)) throw new RangeError(`rowGroupBytes must be positive, got ${maxBytes}`)
  const sizes: Array<number> = []
  let n = 0
  let bytes = 0
  for (const row of rows) {
    const e = estimate(row)
    if (n > 0 && (bytes + e > maxBytes || n >= MAX_ROW_GROUP_ROWS)) {
      sizes.push(n)
      n = 0
      bytes = 0
    }
    n++
    bytes += e
  }
  if (n > 0 || sizes.length === 0) sizes.push(Math.max(n, 1))
  return sizes
}

const encode = (
  schema: ReadonlyArray<SchemaElement>,
  rows: ReadonlyArray<unknown>,
  columns: Array<{ name: string; data: Array<unknown> }>,
  options: EncodeOptions
): Uint8Array =>
  new Uint8Array(parquetWriteBuffer({
    ...WRITE_OPTIONS,
    rowGroupSize: rowGroupSizes(rows, options.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES),
    schema: [...schema],
    columnData: columns as never
  }))

const checkRow = (ok: boolean, what: string): void => {
  if (!ok) throw new TypeError(what)
}

export const encodeSampleRows = (rows: ReadonlyArray<SampleRow>, options: EncodeOptions = {}): Uint8Array => {
  rows.forEach((r, i) => {
    checkRow(typeof r.id === "string" && typeof r.dataset === "string" && typeof r.sq === "number", `row ${i}: id, dataset and sq are required`)
    checkRow(r.sample_key === `${r.dataset}/${r.id}`, `row ${i} (${r.id}): sample_key must be dataset/id`)
    checkRow(r.turns.every((t) => typeof t.instruction === "string" && t.references.every((x) => typeof x === "string")), `row ${i} (${r.id}): turns must hold strings`)
  })
  return encode(SAMPLE_SCHEMA, rows, [
    { name: "id", data: rows.map((r) => r.id) },
    { name: "dataset", data: rows.map((r) => r.dataset) },
    { name: "sample_key", data: rows.map((r) => r.sample_key) },
    { name: "image", data: rows.map((r) => r.image) },
    { name: "image_id", data: rows.map((r) => r.image_id) },
    { name: "context", data: rows.map((r) => r.context) },
    { name: "turns", data: rows.map((r) => r.turns.map((t) => ({ instruction: t.instruction, references: [...t.references] }))) },
    { name: "sq", data: rows.map((r) => r.sq) }
  ], options)
}

export const encodeSqRows = (rows: ReadonlyArray<SqRow>, options: EncodeOptions = {}): Uint8Array => {
  rows.forEach((r, i) =>
    checkRow(typeof r.id === "string" && typeof r.dataset === "string" && typeof r.sq === "number" &&
      r.per_model.every((p) => typeof p.model === "string" && typeof p.value === "number"), `SQ row ${i}: wrong field types`))
  rows.forEach((r, i) => checkRow(r.sample_key === `${r.dataset}/${r.id}`, `SQ row ${i} (${r.id}): sample_key must be dataset/id`))
  return encode(SQ_SCHEMA, rows, [
    { name: "id", data: rows.map((r) => r.id) },
    { name: "dataset", data: rows.map((r) => r.dataset) },
    { name: "sample_key", data: rows.map((r) => r.sample_key) },
    { name: "sq", data: rows.map((r) => r.sq) },
    { name: "per_model", data: rows.map((r) => r.per_model.map((p) => ({ model: p.model, value: p.value }))) }
  ], options)
}

/** The key that is unique across sources: `dataset/id` (ids repeat across datasets). */
export const sampleKey = (dataset: string, id: string): string => `${dataset}/${id}`

/** A Sample from the data layer as a Parquet row. */
export const sampleRow = (s: Sample, sq: number): SampleRow => ({
  id: s.id,
  dataset: s.dataset,
  sample_key: sampleKey(s.dataset, s.id),
  image: s.image.path ?? s.image.id ?? null,
  image_id: s.image.id ?? null,
  context: s.context ?? null,
  turns: s.turns.map((t) => ({ instruction: t.instruction, references: t.references })),
  sq
})

// ---------------------------------------------------------------------------------------------
// Sharding

export const DEFAULT_MAX_SHARD_BYTES = 256 * 1024 * 1024

export interface Shard<R> {
  readonly rows: ReadonlyArray<R>
  readonly bytes: Uint8Array
}

const utf8Length = (s: string): number => Buffer.byteLength(s, "utf8")

/** An upper-bound guess of a row's encoded size: its strings plus a few bytes of levels per value. */
const estimate = (row: unknown): number => {
  if (typeof row === "string") return utf8Length(row) + 4
  if (typeof row === "number") return 8
  if (row === null || row === undefined) return 1
  if (Array.isArray(row)) return row.reduce((n: number, x) => n + estimate(x), 2)
  return Object.values(row as Record<string, unknown>).reduce((n: number, x) => n + estimate(x), 0)
}

/**
 * Split rows, in order, into shards whose encoded Parquet is at most `maxBytes`: a greedy cut by
 * estimated size, then any shard that still encodes too big is halved until it fits. A single row
 * larger than the limit becomes a shard of its own. Zero rows give no shard: leave the split out
 * (arrow-rs, as in parquet-wasm 0.8.0, cannot read a zero-row file with nested lists as
 * hyparquet-writer 0.17.0 writes it: "Expected list element type of Struct but got Byte").
 */
export const shardRows = <R>(rows: ReadonlyArray<R>, maxBytes: number, encodeRows: (rows: ReadonlyArray<R>) => Uint8Array): Array<Shard<R>> => {
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`)
  if (rows.length === 0) return []
  const groups: Array<ReadonlyArray<R>> = []
  let start = 0
  let size = 0
  rows.forEach((row, i) => {
    const e = estimate(row)
    if (i > start && size + e > maxBytes) {
      groups.push(rows.slice(start, i))
      start = i
      size = 0
    }
    size += e
  })
  groups.push(rows.slice(start))
  const out: Array<Shard<R>> = []
  const fit = (group: ReadonlyArray<R>): void => {
    const bytes = encodeRows(group)
    if (bytes.length <= maxBytes || group.length === 1) {
      out.push({ rows: group, bytes })
      return
    }
    const mid = Math.ceil(group.length / 2)
    fit(group.slice(0, mid))
    fit(group.slice(mid))
  }
  groups.forEach(fit)
  return out
}

/** `train-00000-of-00003.parquet`, the naming `datasets` writes and the Hub recognises. */
export const shardName = (split: string, index: number, count: number): string =>
  `${split}-${String(index).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.parquet`

// ---------------------------------------------------------------------------------------------
// Files

const writeAtomic = (path: string, bytes: Uint8Array): Effect.Effect<void, ParquetError> =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(nodePath.dirname(path), { recursive: true })
      const tmp = `${path}.tmp-${process.pid}`
      const fh = await fs.open(tmp, "w")
      try {
        await fh.writeFile(bytes)
        await fh.sync()
      } finally {
        await fh.close()
      }
      await fs.rename(tmp, path)
    },
    catch: (e) => new ParquetError({ path, message: `cannot write ${path}: ${errorText(e)}` })
  })

const encodeAt = (path: string, run: () => Uint8Array): Effect.Effect<Uint8Array, ParquetError> =>
  Effect.try({ try: run, catch: (e) => new ParquetError({ path, message: `cannot encode ${path}: ${errorText(e)}` }) })

export const writeSampleParquet = (path: string, rows: ReadonlyArray<SampleRow>): Effect.Effect<void, ParquetError> =>
  encodeAt(path, () => encodeSampleRows(rows)).pipe(Effect.flatMap((b) => writeAtomic(path, b)))

export const writeSqParquet = (path: string, rows: ReadonlyArray<SqRow>): Effect.Effect<void, ParquetError> =>
  encodeAt(path, () => encodeSqRows(rows)).pipe(Effect.flatMap((b) => writeAtomic(path, b)))

/**
 * Write rows as `<dir>/<split>-0000K-of-0000N.parquet` shards of at most `maxBytes` each;
 * returns the file names in order.
 */
export const writeShardedParquet = <R>(
  dir: string,
  split: string,
  rows: ReadonlyArray<R>,
  encodeRows: (rows: ReadonlyArray<R>) => Uint8Array,
  maxBytes: number = DEFAULT_MAX_SHARD_BYTES
): Effect.Effect<Array<string>, ParquetError> =>
  Effect.gen(function*() {
    const shards = yield* Effect.try({
      try: () => shardRows(rows, maxBytes, encodeRows),
      catch: (e) => new ParquetError({ path: dir, message: `cannot encode ${split} shards: ${errorText(e)}` })
    })
    const names = shards.map((_, i) => shardName(split, i, shards.length))
    for (const [i, shard] of shards.entries()) yield* writeAtomic(nodePath.join(dir, names[i]!), shard.bytes)
    return names
  })

// ---------------------------------------------------------------------------------------------
// Reading (hyparquet)

const readObjects = (source: string | Uint8Array): Effect.Effect<Array<Record<string, unknown>>, ParquetError> => {
  const path = typeof source === "string" ? source : "<bytes>"
  return Effect.tryPromise({
    try: async () => {
      const bytes = typeof source === "string" ? await fs.readFile(source) : source
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      return (await parquetReadObjects({ file })) as Array<Record<string, unknown>>
    },
    catch: (e) => new ParquetError({ path, message: `cannot read ${path}: ${errorText(e)}` })
  })
}

export const readSampleParquet = (source: string | Uint8Array): Effect.Effect<Array<SampleRow>, ParquetError> =>
  readObjects(source).pipe(Effect.map((rows) => rows.map((r) => ({
    id: r.id as string,
    dataset: r.dataset as string,
    sample_key: r.sample_key as string,
    image: (r.image ?? null) as string | null,
    image_id: (r.image_id ?? null) as string | null,
    context: (r.context ?? null) as string | null,
    turns: r.turns as Array<TurnRow>,
    sq: r.sq as number
  }))))

export const readSqParquet = (source: string | Uint8Array): Effect.Effect<Array<SqRow>, ParquetError> =>
  readObjects(source).pipe(Effect.map((rows) => rows.map((r) => ({
    id: r.id as string,
    dataset: r.dataset as string,
    sample_key: r.sample_key as string,
    sq: r.sq as number,
    per_model: r.per_model as SqRow["per_model"]
  }))))
