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
import { describeInvalidByte, firstInvalidUtf8, isUtf8 } from "./utf8.ts"
import { sha256 } from "../util/fs.ts"

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
    const digest = { sha256: sha256(buf), bytes: buf.length }
    // One document: a byte that is not UTF-8 cannot be pinned on one record, so the file is refused.
    if (!isUtf8(buf)) {
      const at = firstInvalidUtf8(buf)
      let line = 1
      for (let i = 0; i < at; i++) if (buf[i] === 0x0a) line++
      throw fail(dataset, declared, `${describeInvalidByte(buf, at, at)} (line ${line}); save it as UTF-8`)
    }
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
      // Split on the newline byte and decode line by line: a line that is not UTF-8 becomes a
      // bad row naming the byte and its offset, never text with U+FFFD in it.
      let rest: Buffer = Buffer.alloc(0)
      let restOffset = 0
      let line = 0
      const take = (bytes: Buffer, offset: number) => {
        line++
        const bom = line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
        let b = bytes.subarray(bom)
        if (b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1)
        if (!isUtf8(b)) {
          const at = firstInvalidUtf8(b)
          bad.push({ line, reason: describeInvalidByte(b, at, offset + bom + at) })
          return
        }
        const t = b.toString("utf8")
        if (t.trim() === "") return
        try {
          records.push({ value: JSON.parse(t), line })
        } catch (e) {
          bad.push({ line, reason: `invalid JSON: ${(e as Error).message}` })
        }
      }
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk)
        const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk
        const base = restOffset
        bytes += chunk.length
        let start = 0
        for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
          take(data.subarray(start, nl), base + start)
          start = nl + 1
        }
        rest = Buffer.from(data.subarray(start))
        restOffset = base + start
      }
      if (rest.length > 0) take(rest, restOffset)
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
      // Bytes that are not UTF-8, by the line they are on (the record spanning that line is bad).
      const invalid = new Map<number, string>()
      let lineNo = 1
      let carry: Buffer = Buffer.alloc(0)
      const checkBytes = (data: Buffer, base: number, final: boolean) => {
        // hold back an incomplete character at the end for the next chunk
        let end = data.length
        if (!final) {
          for (let k = 1; k <= 3 && k <= data.length; k++) {
            if ((data[data.length - k]! & 0xc0) === 0xc0) {
              end = data.length - k
              break
            }
          }
        }
        const part = data.subarray(0, end)
        if (!isUtf8(part)) {
          let from = 0
          let at = firstInvalidUtf8(part)
          while (at >= 0) {
            for (let i = from; i < at; i++) if (part[i] === 0x0a) lineNo++
            if (!invalid.has(lineNo)) invalid.set(lineNo, describeInvalidByte(part, at, base + at))
            from = at
            const next = firstInvalidUtf8(part.subarray(at + 1))
            at = next < 0 ? -1 : at + 1 + next
          }
          for (let i = from; i < part.length; i++) if (part[i] === 0x0a) lineNo++
        } else {
          for (let i = part.indexOf(0x0a); i >= 0; i = part.indexOf(0x0a, i + 1)) lineNo++
        }
        carry = Buffer.from(data.subarray(end))
        return base + end
      }
      let checked = 0
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk)
        bytes += chunk.length
        checked = checkBytes(carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk, checked, false)
        reader.push(decoder.decode(chunk, { stream: true }), rows)
        drain()
      }
      if (carry.length > 0) checkBytes(carry, checked, true)
      reader.push(decoder.decode(), rows)
      reader.end(rows)
      drain()
      if (header === undefined) throw fail(dataset, declared, "the CSV file is empty (expected a header line)")
      if (invalid.size > 0) dropInvalidRecords(records, bad, invalid)
    }
  } catch (e) {
    if (e instanceof DataFileError) throw e
    throw fail(dataset, declared, `cannot read ${local}: ${ioMessage(e)}`)
  }
  return { kind: "lines", digest: { sha256: hash.digest("hex"), bytes }, records, bad }
}

/**
 * Turn the records that hold a byte that is not UTF-8 into bad rows: the record whose lines
 * cover the byte's line (a quoted CSV field may span lines). A bad header line fails nothing
 * here: its fields are already what the decoder made of them, and the mapping reports them.
 */
const dropInvalidRecords = (records: Array<RawRecord>, bad: Array<Omit<BadRow, "file">>, invalid: ReadonlyMap<number, string>): void => {
  const starts = records.map((r) => r.line ?? 0)
  const dropped = new Set<number>()
  for (const [line, reason] of invalid) {
    // the last record starting at or before `line`
    let lo = 0
    let hi = starts.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (starts[mid]! <= line) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    if (found < 0 || dropped.has(found)) continue
    dropped.add(found)
    bad.push({ line: starts[found]!, reason })
  }
  for (const i of [...dropped].sort((a, b) => b - a)) records.splice(i, 1)
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
  // The same document is selected from by the data check and every load that joins it: once each.
  if (doc === null || typeof doc !== "object") return selectUncached(doc, records)
  let byRecords = selected.get(doc)
  if (byRecords === undefined) selected.set(doc, (byRecords = new Map()))
  const k = records ?? ""
  let r = byRecords.get(k)
  if (r === undefined) byRecords.set(k, (r = selectUncached(doc, records)))
  return r
}

const selected = new WeakMap<object, Map<string, ReadonlyArray<RawRecord> | string>>()

const selectUncached = (doc: unknown, records: string | undefined): ReadonlyArray<RawRecord> | string => {
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
