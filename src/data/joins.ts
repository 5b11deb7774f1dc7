/**
 * Joins: a second file's rows attached to each record by key (answers by question id, captions
 * by image id). The index is built once per load; a record's match is reachable in the mapping
 * under the join's name. A joined row may be any JSON value: an object, or a plain string
 * (`{"<id>": "caption"}` read with `records: "*"` and `key: $key`).
 *
 * Nothing here fails in silence: a key that no joined row has is a load error naming the key and
 * the fields the rows do have; a record without a match on a required join is a bad row naming
 * the key looked up, the expression it was read from and an example key of the joined file; an
 * optional join's match counts are kept so the load can warn when it (almost) never matched.
 */
import type { Join } from "../spec/dataset.ts"
import { didYouMean } from "../spec/did-you-mean.ts"
import { DataJoinError } from "./errors.ts"
import { cocoImageId } from "./image-id.ts"
import { evalKey, type Expr, type Lookup } from "./mapping.ts"
import type { RawRecord } from "./read.ts"

export interface JoinIndex {
  readonly as: string
  readonly path: string
  readonly many: boolean
  readonly required: boolean
  readonly on: Expr
  readonly normalise: (v: unknown) => string | undefined
  readonly rows: ReadonlyMap<string, ReadonlyArray<unknown>>
  /** One key of the joined file, for messages. */
  readonly exampleKey: string
  /** Records that looked a key up / found a row (mutated while a load runs). */
  readonly counts: { looked: number; matched: number; firstLooked?: string }
}

const exactKey = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" ? String(v) : undefined

export const joinKeyNormaliser = (match: Join["match"]): ((v: unknown) => string | undefined) =>
  match === "coco-image-id" ? cocoImageId : exactKey

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v)

/** A lookup over a joined row: its fields, and $key / $index / $line of the row. */
export const rowLookup = (r: RawRecord): Lookup => (root) => {
  if (root === "$key") return r.key
  if (root === "$index") return r.index
  if (root === "$line") return r.line
  return isObject(r.value) ? r.value[root] : undefined
}

/** Why no row gave a key: the field is absent everywhere (a typo, with did-you-mean), or $key on unkeyed records. */
const noKeyMessage = (dataset: string, join: Join, records: ReadonlyArray<RawRecord>, reason: string): string => {
  const head = `Dataset ${dataset}, join "${join.as}"`
  if (join.key.includes("$key") && records.every((r) => r.key === undefined)) {
    return `${head}: key ${join.key}: $key is the key of records given as an object keyed by id; declare records: "*" on the join ` +
      `(its records are now ${join.records === undefined ? "the document itself" : `"${join.records}"`})`
  }
  const fields = new Set<string>()
  for (const r of records.slice(0, 100)) if (isObject(r.value)) for (const k of Object.keys(r.value)) fields.add(k)
  const known = [...fields].sort()
  const shape = known.length > 0
    ? `its rows have the fields ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", …" : ""}`
    : `its rows are ${typeof records[0]?.value === "string" ? "plain texts (key them with key: $key and records: \"*\")" : "not objects"}`
  const missing = /^missing field ([^ ]+)$/u.exec(reason)?.[1]
  if (missing !== undefined) {
    const hint = didYouMean(missing.replace(/[.[].*$/u, ""), known)
    return `${head}: no row of ${join.path} has the field ${missing} (key: ${join.key}); ${shape}${hint !== undefined ? ` (did you mean "${hint}"?)` : ""}`
  }
  return `${head}: no row of ${join.path} gives a key for key: ${join.key} (first row: ${reason}); ${shape}`
}

export const buildJoinIndex = (
  dataset: string,
  join: Join,
  key: Expr,
  on: Expr,
  records: ReadonlyArray<RawRecord>
): JoinIndex | DataJoinError => {
  const normalise = joinKeyNormaliser(join.match)
  const rows = new Map<string, Array<unknown>>()
  let firstReason: string | undefined
  let exampleKey: string | undefined
  for (const r of records) {
    const v = evalKey(key, rowLookup(r))
    if (!v.ok) {
      firstReason ??= v.reason
      continue // a row without a key can match nothing
    }
    const k = normalise(v.value)
    if (k === undefined) {
      firstReason ??= `${JSON.stringify(v.value)} is not ${join.match === "coco-image-id" ? "a COCO image id" : "a text or number"}`
      continue
    }
    exampleKey ??= k
    const list = rows.get(k)
    if (list === undefined) rows.set(k, [r.value])
    else {
      if (!join.many) {
        return new DataJoinError({
          dataset, join: join.as,
          message: `Dataset ${dataset}, join "${join.as}": key ${JSON.stringify(k)} occurs more than once in ${join.path}; declare many: true to keep every match`
        })
      }
      list.push(r.value)
    }
  }
  if (records.length === 0) {
    return new DataJoinError({ dataset, join: join.as, message: `Dataset ${dataset}, join "${join.as}": ${join.path} holds no rows` })
  }
  if (exampleKey === undefined) {
    return new DataJoinError({ dataset, join: join.as, message: noKeyMessage(dataset, join, records, firstReason ?? "no key") })
  }
  return { as: join.as, path: join.path, many: join.many, required: join.required, on, normalise, rows, exampleKey, counts: { looked: 0, matched: 0 } }
}

export type JoinResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string }

/** The joined value for a record: one row, a list of rows (many), or undefined (no match). */
export const joinFor = (j: JoinIndex, lookup: Lookup): JoinResult => {
  const v = evalKey(j.on, lookup)
  j.counts.looked++
  if (!v.ok) return j.required ? { ok: false, reason: `join "${j.as}": on ${j.on.source}: ${v.reason}` } : { ok: true, value: j.many ? [] : undefined }
  const k = j.normalise(v.value)
  j.counts.firstLooked ??= k ?? JSON.stringify(v.value)
  const found = k === undefined ? undefined : j.rows.get(k)
  if (found === undefined) {
    if (j.required) {
      return {
        ok: false,
        reason: `join "${j.as}": no row with key ${JSON.stringify(k ?? v.value)} (read from on: ${j.on.source}); ` +
          `keys of ${j.path} look like ${JSON.stringify(j.exampleKey)}`
      }
    }
    return { ok: true, value: j.many ? [] : undefined }
  }
  j.counts.matched++
  return { ok: true, value: j.many ? found : found[0] }
}

/**
 * Join indexes shared by the datasets of one check or load: a join file indexed the same way by
 * several datasets (COCO captions by image id) is indexed once. Each use gets its own view, with
 * its own `on`, `required` and counts; an error names its dataset, so only indexes are shared.
 */
export class JoinIndexCache {
  private readonly built = new Map<string, JoinIndex>()
  get(dataset: string, join: Join, key: Expr, on: Expr, records: ReadonlyArray<RawRecord>): JoinIndex | DataJoinError {
    const cacheKey = `${join.path}\u0000${join.records ?? ""}\u0000${join.key}\u0000${join.match}\u0000${join.many}\u0000${join.as}`
    let idx = this.built.get(cacheKey)
    if (idx === undefined) {
      const r = buildJoinIndex(dataset, join, key, on, records)
      if (r instanceof DataJoinError) return r
      this.built.set(cacheKey, r)
      idx = r
    }
    return { ...idx, on, required: join.required, counts: { looked: 0, matched: 0 } }
  }
}
