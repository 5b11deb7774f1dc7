/**
 * Joins: a second file's rows attached to each record by key (answers by question id, captions
 * by image id). The index is built once per load; a record's match is reachable in the mapping
 * under the join's name.
 */
import type { Join } from "../spec/dataset.ts"
import { DataJoinError } from "./errors.ts"
import { cocoImageId } from "./image-id.ts"
import { evalOne, recordLookup, type Lookup, type PathExpr } from "./mapping.ts"
import type { RawRecord } from "./read.ts"

export interface JoinIndex {
  readonly as: string
  readonly many: boolean
  readonly required: boolean
  readonly on: PathExpr
  readonly normalise: (v: unknown) => string | undefined
  readonly rows: ReadonlyMap<string, ReadonlyArray<unknown>>
}

const exactKey = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" ? String(v) : undefined

export const joinKeyNormaliser = (match: Join["match"]): ((v: unknown) => string | undefined) =>
  match === "coco-image-id" ? cocoImageId : exactKey

const NO_EXTRA: ReadonlyMap<string, unknown> = new Map()

export const buildJoinIndex = (
  dataset: string,
  join: Join,
  key: PathExpr,
  on: PathExpr,
  records: ReadonlyArray<RawRecord>
): JoinIndex | DataJoinError => {
  const normalise = joinKeyNormaliser(join.match)
  const rows = new Map<string, Array<unknown>>()
  for (const r of records) {
    const v = evalOne(key, recordLookup(r.value, NO_EXTRA))
    if (!v.ok) continue // a row without a key can match nothing
    const k = normalise(v.value)
    if (k === undefined) continue
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
  return { as: join.as, many: join.many, required: join.required, on, normalise, rows }
}

export type JoinResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string }

/** The joined value for a record: one row, a list of rows (many), or undefined (no match). */
export const joinFor = (j: JoinIndex, lookup: Lookup): JoinResult => {
  const v = evalOne(j.on, lookup)
  if (!v.ok) return j.required ? { ok: false, reason: `join "${j.as}": ${v.reason}` } : { ok: true, value: j.many ? [] : undefined }
  const k = j.normalise(v.value)
  const found = k === undefined ? undefined : j.rows.get(k)
  if (found === undefined) {
    if (j.required) return { ok: false, reason: `join "${j.as}": no row with key ${JSON.stringify(k ?? v.value)}` }
    return { ok: true, value: j.many ? [] : undefined }
  }
  return { ok: true, value: j.many ? found : found[0] }
}
