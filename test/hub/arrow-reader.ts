/**
 * The independent Parquet reader for tests: parquet-wasm (arrow-rs, the Apache Rust
 * implementation, compiled to WebAssembly) decodes to Arrow IPC, apache-arrow turns that into
 * rows. Shares no code with hyparquet-writer / hyparquet.
 */
import { type Field, tableFromIPC } from "apache-arrow"
import { readParquet } from "parquet-wasm"

const toPlain = (v: unknown): unknown => {
  if (v === null || v === undefined) return null
  if (typeof v !== "object") return v
  if (Symbol.iterator in v && typeof (v as { toArray?: unknown }).toArray === "function") {
    return [...(v as Iterable<unknown>)].map(toPlain)
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") {
    const o = (v as { toJSON: () => Record<string, unknown> }).toJSON()
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, toPlain(x)]))
  }
  return v
}

export interface ArrowRead {
  readonly rows: Array<Record<string, unknown>>
  /** e.g. `id: Utf8 not null`, `turns: List<Struct<{instruction:Utf8, references:List<Utf8>}>> not null` */
  readonly fields: Array<string>
  readonly metadata: Map<string, string>
}

const describe = (f: Field): string => `${f.name}: ${String(f.type)}${f.nullable ? "" : " not null"}`

export const readWithArrow = (bytes: Uint8Array): ArrowRead => {
  const wasmTable = readParquet(bytes)
  const table = tableFromIPC(wasmTable.intoIPCStream())
  return {
    rows: table.toArray().map((r) => toPlain(r) as Record<string, unknown>),
    fields: table.schema.fields.map(describe),
    metadata: table.schema.metadata
  }
}
