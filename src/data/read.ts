/**
 * Reading source files into raw records, hashing the bytes on the way. JSON Lines and CSV are
 * streamed (one record at a time, never the whole text); a JSON document is parsed whole.
 * A parsed file is cached per load session, so a file joined by several datasets is read once.
 */
import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { readFile } from "node:fs/promises"
import { CsvReader, type CsvRecord } from "./csv.ts"
import { DataFileError, type BadRow } from "./errors.ts"

export interface RawRecord {
  readonly value: unknown
  /** 1-based (jsonl, csv) */
  readonly line?: number
  /** 0-based position in the record list (json) */
  readonly index?: number
  /** the key where records are the values of an object */
  readonly key?: string
}

export interface FileDigest {
  /** sha256 of the bytes, hex */
  readonly sha256: string
  readonly bytes: number
}

/** A parsed file: a JSON document, or the rows of a line-oriented file with its unparseable lines. */
export type Parsed =
  | { readonly kind: "json"; readonly digest: FileDigest; readonly doc: unknown }
  | { readonly kind: "lines"; readonly digest: FileDigest; readonly records: ReadonlyArray<RawRecord>; readonly bad: ReadonlyArray<Omit<BadRow, "file">> }

export type ReadKind = "json" | "jsonl" | "csv"

const CHUNK = 1 << 20

/** Everything a load session has parsed, by local path, kind and delimiter. */
export class ParseCache {
  private readonly entries = new Map<string, Promise<Parsed>>()
  get(local: string, kind: ReadKind, delimiter: string, read: () => Promise<Parsed>): Promise<Parsed> {
    const k = `${kind}\u0000${delimiter}\u0000${local}`
    let p = this.entries.get(k)
    if (p === undefined) {
      p = read()
      this.entries.set(k, p)
    }
    return p
  }
}

const fail = (dataset: string, file: string, message: string) => new DataFileError({ dataset, file, message })

const ioMessage = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException).code
  return code === "ENOENT" ? "no such file" : code === "EISDIR" ? "expected a file, got a folder" : e instanceof Error ? e.message : String(e)
}

/** Parse `local` as `kind`. Rejects with DataFileError only when the file as a whole is unusable. */
export const parseFile = async (dataset: string, declared: string, local: string, kind: ReadKind, delimiter = ","): Promise<Parsed> => {
  if (kind === "json") {
    let buf: Buffer
    try {
      buf = await readFile(local)
    } catch (e) {
      throw fail(dataset, declared, `cannot read ${local}: ${ioMessage(e)}`)
    }
    const digest = { sha256: createHash("sha256").update(buf).digest("hex"), bytes: buf.length }
    let doc: unknown
    try {
      doc = JSON.parse(buf.toString("utf8").replace(/^\uFEFF/u, ""))
    } catch (e) {
      const hint = /\.jsonl$|\.ndjson$/u.test(declared) ? "" : " (if it holds one JSON object per line, declare format: jsonl)"
      throw fail(dataset, declared, `not valid JSON: ${(e as Error).message}${hint}`)
    }
    return { kind: "json", digest, doc }
  }

  const hash = createHash("sha256")
  let bytes = 0
  const records: Array<RawRecord> = []
  const bad: Array<Omit<BadRow, "file">> = []
  const decoder = new TextDecoder("utf-8")
  try {
    const stream = createReadStream(local, { highWaterMark: CHUNK })
    if (kind === "jsonl") {
      let rest = ""
      let line = 0
      const take = (text: string) => {
        const t = text.endsWith("\r") ? text.slice(0, -1) : text
        line++
        if (t.trim() === "") return
        try {
          records.push({ value: JSON.parse(t), line })
        } catch (e) {
          bad.push({ line, reason: `invalid JSON: ${(e as Error).message}` })
        }
      }
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk)
        bytes += chunk.length
        const text = rest + decoder.decode(chunk, { stream: true })
        let start = 0
        for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
          take(start === 0 && line === 0 ? text.slice(0, nl).replace(/^\uFEFF/u, "") : text.slice(start, nl))
          start = nl + 1
        }
        rest = text.slice(start)
      }
      rest += decoder.decode()
      if (rest !== "") take(rest)
    } else {
      const reader = new CsvReader(delimiter)
      const rows: Array<CsvRecord> = []
      let header: ReadonlyArray<string> | undefined
      const drain = () => {
        for (const r of rows) {
          if (header === undefined) {
            header = r.fields
            continue
          }
          if (r.problem !== undefined) bad.push({ line: r.line, reason: `malformed CSV: ${r.problem}` })
          else if (r.fields.length !== header.length) bad.push({ line: r.line, reason: `wrong number of fields: expected ${header.length} (the header's), got ${r.fields.length}` })
          else {
            const value: Record<string, string> = {}
            for (let k = 0; k < header.length; k++) value[header[k]!] = r.fields[k]!
            records.push({ value, line: r.line })
          }
        }
        rows.length = 0
      }
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk)
        bytes += chunk.length
        reader.push(decoder.decode(chunk, { stream: true }), rows)
        drain()
      }
      reader.push(decoder.decode(), rows)
      reader.end(rows)
      drain()
      if (header === undefined) throw fail(dataset, declared, "the CSV file is empty (expected a header line)")
    }
  } catch (e) {
    if (e instanceof DataFileError) throw e
    throw fail(dataset, declared, `cannot read ${local}: ${ioMessage(e)}`)
  }
  return { kind: "lines", digest: { sha256: hash.digest("hex"), bytes }, records, bad }
}

/** Hash a file without parsing it (dataset keys computed before a load). */
export const hashFile = async (dataset: string, declared: string, local: string): Promise<FileDigest> => {
  const hash = createHash("sha256")
  let bytes = 0
  try {
    for await (const chunk of createReadStream(local, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
      hash.update(chunk)
      bytes += chunk.length
    }
  } catch (e) {
    throw fail(dataset, declared, `cannot read ${local}: ${ioMessage(e)}`)
  }
  return { sha256: hash.digest("hex"), bytes }
}

/**
 * The records of a JSON document: the document itself when it is a list, or the list at a dotted
 * path (`annotations`), or the values of an object (`*`, `data.*`) with their keys.
 */
export const selectRecords = (doc: unknown, records: string | undefined): ReadonlyArray<RawRecord> | string => {
  const parts = records === undefined ? [] : records.split(".")
  let v = doc
  let where = "the document"
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!
    if (p === "*" && i === parts.length - 1) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return `records "${records}": ${where} is not an object`
      return Object.entries(v as Record<string, unknown>).map(([key, value], index) => ({ value, index, key }))
    }
    if (v === null || typeof v !== "object" || Array.isArray(v) || !(p in (v as object))) {
      const keys = v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v).slice(0, 12) : []
      return `records "${records}": ${where} has no field "${p}"${keys.length > 0 ? ` (fields: ${keys.join(", ")})` : ""}`
    }
    v = (v as Record<string, unknown>)[p]
    where = parts.slice(0, i + 1).join(".")
  }
  if (!Array.isArray(v)) {
    const keys = v !== null && typeof v === "object" ? Object.keys(v).slice(0, 12) : []
    return `${where} is not a list of records` +
      (keys.length > 0 ? `; set \`records\` to the field that holds them, or "*" for the values of an object (fields: ${keys.join(", ")})` : "")
  }
  return v.map((value, index) => ({ value, index }))
}
