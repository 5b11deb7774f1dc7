import assert from "node:assert/strict"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as nodePath from "node:path"
import { after, before, describe, it } from "node:test"
import * as Effect from "effect/Effect"
import { parquetMetadata } from "hyparquet"
import {
  encodeSampleRows, encodeSqRows, readSampleParquet, readSqParquet, rowGroupSizes, sampleRow, shardName, shardRows,
  writeSampleParquet, writeShardedParquet, writeSqParquet, type SampleRow
} from "../../src/hub/parquet.ts"
import { readWithArrow } from "./arrow-reader.ts"
import { llavaRows, okvqaRows, sqRowsFor } from "./real-rows.ts"

const plain = (rows: ReadonlyArray<object>): unknown => JSON.parse(JSON.stringify(rows))

describe("sample Parquet", () => {
  const rows = [...llavaRows(), ...okvqaRows(300)]

  it("round-trips 400 real rows exactly through an independent reader (parquet-wasm + apache-arrow)", () => {
    assert.equal(rows.length, 400)
    assert.ok(rows.some((r) => r.turns.length > 3), "multi-turn LLaVA conversations are included")
    const bytes = encodeSampleRows(rows)
    const read = readWithArrow(bytes)
    assert.deepEqual(read.fields, [
      "id: Utf8 not null",
      "dataset: Utf8 not null",
      "sample_key: Utf8 not null",
      "image: Utf8",
      "image_id: Utf8",
      "context: Utf8",
      "turns: List<Struct<{instruction:Utf8, references:List<Utf8>}>> not null",
      "sq: Float64 not null"
    ])
    assert.deepEqual(read.rows, plain(rows))
    // doubles bit for bit, not just to JSON precision
    read.rows.forEach((r, i) => assert.ok(Object.is(r.sq, rows[i]!.sq)))
  })

  it("round-trips edge cases: nulls, empty lists, empty strings, non-ASCII", () => {
    const edge: Array<SampleRow> = [
      { id: "e1", dataset: "d", sample_key: "d/e1", image: null, image_id: null, context: null, turns: [], sq: 0 },
      { id: "e2", dataset: "d", sample_key: "d/e2", image: "", image_id: "", context: "", turns: [{ instruction: "", references: [] }], sq: -1.5 },
      { id: "e3", dataset: "d", sample_key: "d/e3", image: "x.jpg", image_id: "d:x.jpg", context: "caption — «ünïcödé» 猫 😀", turns: [{ instruction: "q?", references: ["a", "", "b"] }, { instruction: "r", references: ["s"] }], sq: Number.MAX_VALUE },
      { id: "e4", dataset: "d", sample_key: "d/e4", image: "y", image_id: null, context: null, turns: [{ instruction: "z", references: ["1"] }], sq: Number.MIN_VALUE }
    ]
    const bytes = encodeSampleRows(edge)
    assert.deepEqual(readWithArrow(bytes).rows, plain(edge))
  })

  it("is deterministic: same rows, same bytes; no timestamps in the metadata", () => {
    const a = encodeSampleRows(rows)
    const b = encodeSampleRows(rows.map((r) => ({ ...r })))
    assert.deepEqual(Buffer.from(a), Buffer.from(b))
    assert.equal(readWithArrow(a).metadata.size, 0)
    assert.ok(Buffer.from(a).includes(Buffer.from("revo")), "created_by is the fixed string 'revo'")
  })

  it("the module's own reader (hyparquet) agrees", async () => {
    const bytes = encodeSampleRows(rows)
    assert.deepEqual(plain(await Effect.runPromise(readSampleParquet(bytes))), plain(rows))
  })

  it("maps a data-layer Sample to a row", () => {
    const r = sampleRow({ id: "s1", dataset: "coco", image: { id: "391895" }, turns: [{ instruction: "Describe.", references: ["a", "b"] }], origin: { file: "f.json", index: 0 } }, 0.5)
    assert.deepEqual(r, { id: "s1", dataset: "coco", sample_key: "coco/s1", image: "391895", image_id: "391895", context: null, turns: [{ instruction: "Describe.", references: ["a", "b"] }], sq: 0.5 })
    const withPath = sampleRow({ id: "7", dataset: "pope", image: { id: "310196", path: "COCO_val2014_000000310196.jpg" }, turns: [], origin: { file: "f", line: 1 } }, 0)
    assert.deepEqual([withPath.image, withPath.image_id, withPath.sample_key], ["COCO_val2014_000000310196.jpg", "310196", "pope/7"])
  })

  it("refuses a sample_key that is not dataset/id", () => {
    assert.throws(() => encodeSampleRows([{ ...rows[0]!, sample_key: rows[0]!.id }]), /sample_key must be dataset\/id/)
  })

  it("cuts row groups by bytes, not rows: every group with more than one row stays under the cap, and the rows round-trip", () => {
    const cap = 16 * 1024
    const bytes = encodeSampleRows(rows, { rowGroupBytes: cap })
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
    assert.ok(meta.row_groups.length >= 5, `only ${meta.row_groups.length} row groups`)
    assert.equal(meta.row_groups.reduce((n, g) => n + Number(g.num_rows), 0), rows.length)
    for (const g of meta.row_groups) {
      if (Number(g.num_rows) > 1) assert.ok(Number(g.total_byte_size) <= cap, `row group of ${g.num_rows} rows holds ${g.total_byte_size} bytes`)
    }
    assert.deepEqual(readWithArrow(bytes).rows, plain(rows))
    // the default (32 MiB) keeps this small set in one group; sizes never exceed 100,000 rows
    const one = encodeSampleRows(rows)
    assert.equal(parquetMetadata(one.buffer.slice(one.byteOffset, one.byteOffset + one.byteLength) as ArrayBuffer).row_groups.length, 1)
    assert.deepEqual(rowGroupSizes(Array.from({ length: 250_000 }, () => 1), 1 << 30), [100_000, 100_000, 50_000])
  })
})

describe("SQ Parquet", () => {
  it("nests per_model as list<struct{model, value}> and round-trips exactly", () => {
    const samples = [...llavaRows().slice(0, 50), ...okvqaRows(150)]
    const sq = sqRowsFor(samples, ["llava-instruct-100", "okvqa-val", "vqa-x", "gqa"])
    const read = readWithArrow(encodeSqRows(sq))
    assert.deepEqual(read.fields, [
      "id: Utf8 not null",
      "dataset: Utf8 not null",
      "sample_key: Utf8 not null",
      "sq: Float64 not null",
      "per_model: List<Struct<{model:Utf8, value:Float64}>> not null"
    ])
    assert.deepEqual(read.rows, plain(sq))
    assert.equal((read.rows[0]!.per_model as Array<unknown>).length, 3)
  })
})

describe("sharding", () => {
  const rows = [...llavaRows(), ...okvqaRows(400)]

  it("cuts rows in order into shards under the size limit, every one readable", () => {
    const max = 48 * 1024
    const shards = shardRows(rows, max, encodeSampleRows)
    assert.ok(shards.length >= 3, `expected several shards, got ${shards.length}`)
    for (const s of shards) assert.ok(s.bytes.length <= max, `shard of ${s.bytes.length} bytes`)
    assert.deepEqual(shards.flatMap((s) => readWithArrow(s.bytes).rows), plain(rows))
    // deterministic
    assert.deepEqual(shardRows(rows, max, encodeSampleRows).map((s) => Buffer.from(s.bytes)), shards.map((s) => Buffer.from(s.bytes)))
  })

  it("halves a shard whose encoding is still too big; a single oversized row stands alone", () => {
    const big: SampleRow = { ...rows[0]!, id: "big", sample_key: `${rows[0]!.dataset}/big`, context: "x".repeat(5000) + rows.map((r) => r.id).join(",") }
    const shards = shardRows([rows[1]!, big, rows[2]!], 2048, encodeSampleRows)
    assert.deepEqual(shards.map((s) => s.rows.map((r) => r.id)), [[rows[1]!.id], ["big"], [rows[2]!.id]])
  })

  it("zero rows give no shard (the split is left out)", () => {
    assert.deepEqual(shardRows([], 1000, encodeSampleRows), [])
  })

  it("names shards the way datasets does", () => {
    assert.equal(shardName("train", 0, 3), "train-00000-of-00003.parquet")
    assert.equal(shardName("eval", 12, 100), "eval-00012-of-00100.parquet")
  })
})

describe("Parquet files", () => {
  let dir: string
  before(async () => {
    dir = await fs.mkdtemp(nodePath.join(tmpdir(), "revo-parquet-"))
  })
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true })
  })

  it("writes samples, SQ and shards to disk atomically and reads them back", async () => {
    const rows = okvqaRows(200)
    const sq = sqRowsFor(rows, ["a", "b"])
    await Effect.runPromise(writeSampleParquet(nodePath.join(dir, "nested", "train.parquet"), rows))
    await Effect.runPromise(writeSqParquet(nodePath.join(dir, "sq.parquet"), sq))
    assert.deepEqual(readWithArrow(await fs.readFile(nodePath.join(dir, "nested", "train.parquet"))).rows, plain(rows))
    assert.deepEqual(plain(await Effect.runPromise(readSqParquet(nodePath.join(dir, "sq.parquet")))), plain(sq))
    const names = await Effect.runPromise(writeShardedParquet(nodePath.join(dir, "shards"), "train", rows, encodeSampleRows, 16 * 1024))
    assert.ok(names.length > 1)
    assert.deepEqual(await fs.readdir(nodePath.join(dir, "shards")), names)
    const back = []
    for (const n of names) back.push(...readWithArrow(await fs.readFile(nodePath.join(dir, "shards", n))).rows)
    assert.deepEqual(back, plain(rows))
  })

  it("a bad row is a typed error naming the file", async () => {
    const bad = [{ id: 1, dataset: "d", image: null, context: null, turns: [], sq: 0 }] as unknown as Array<SampleRow>
    const e = await Effect.runPromise(Effect.flip(writeSampleParquet(nodePath.join(dir, "bad.parquet"), bad)))
    assert.equal(e._tag, "ParquetError")
    assert.match(e.message, /bad\.parquet/)
    await assert.rejects(fs.stat(nodePath.join(dir, "bad.parquet")))
  })
})
