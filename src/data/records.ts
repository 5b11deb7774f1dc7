/**
 * The per-record pipeline every adapter shares: joins, id, image, context, task, and the
 * adapter's own turns. A record either becomes a Sample or a reason (a bad row); nothing else.
 */
import type { Dataset } from "../spec/dataset.ts"
import type { ImageRef, Sample, Turn } from "./sample.ts"
import { imageIdOf } from "./image-id.ts"
import { joinFor, type JoinIndex } from "./joins.ts"
import { evalText, evalTexts, type Eval, type Expr, type Lookup } from "./mapping.ts"
import type { RawRecord } from "./read.ts"

export interface Compiled {
  readonly id?: Expr
  readonly image?: Expr
  /** The image field is the adapter's default: a record without it is text-only, not bad. */
  readonly imageOptional: boolean
  readonly imagePath?: Expr
  readonly instruction?: Expr
  readonly references: ReadonlyArray<Expr>
  readonly task?: Expr
  readonly context?: Expr
}

export interface RecordPlan {
  readonly dataset: string
  readonly decl: Dataset
  /** The source file as declared (origin.file). */
  readonly file: string
  readonly exprs: Compiled
  readonly joins: ReadonlyArray<JoinIndex>
  readonly imageScheme: string
  /** The adapter's turns for a record. */
  readonly turns: (lookup: Lookup, record: unknown) => Eval<ReadonlyArray<Turn>> | { readonly ok: false; readonly reason: string }
}

export type Built = { readonly ok: true; readonly sample: Sample } | { readonly ok: false; readonly reason: string }

const bad = (reason: string): Built => ({ ok: false, reason })

/** Texts trimmed, empties dropped. */
export const cleanTexts = (xs: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (const x of xs) {
    const t = x.trim()
    if (t !== "") out.push(t)
  }
  return out
}

const UNMATCHED = Symbol("unmatched")

export const buildSample = (plan: RecordPlan, rec: RawRecord): Built => {
  const value = rec.value
  const fields = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  // A closure rather than a Map per record: this runs tens of thousands of times per load.
  const joined: Array<unknown> = plan.joins.length === 0 ? [] : new Array(plan.joins.length).fill(UNMATCHED)
  const lookup: Lookup = (root) => {
    if (root.charCodeAt(0) === 36 /* $ */) {
      if (root === "$key") return rec.key
      if (root === "$index") return rec.index
      if (root === "$line") return rec.line
    }
    for (let j = 0; j < joined.length; j++) {
      if (plan.joins[j]!.as === root && joined[j] !== UNMATCHED) return joined[j]
    }
    return fields?.[root]
  }
  for (let j = 0; j < plan.joins.length; j++) {
    const r = joinFor(plan.joins[j]!, lookup)
    if (!r.ok) return bad(r.reason)
    if (r.value !== undefined) joined[j] = r.value
  }
  const { exprs } = plan

  let id: string
  if (exprs.id !== undefined) {
    const r = evalText(exprs.id, lookup)
    if (!r.ok) return bad(`id: ${r.reason}`)
    id = r.value.trim()
    if (id === "") return bad("id: empty")
  } else {
    id = rec.key ?? String(rec.line ?? rec.index)
  }

  const turns = plan.turns(lookup, rec.value)
  if (!turns.ok) return bad(turns.reason)

  let image: ImageRef = {}
  if (exprs.image !== undefined) {
    const r = evalText(exprs.image, lookup)
    if (!r.ok) {
      if (!(r.missing && exprs.imageOptional)) return bad(`image: ${r.reason}`)
    } else {
      const value = r.value.trim()
      const imageId = imageIdOf(value, plan.imageScheme)
      if (imageId === undefined) return bad(`image: ${JSON.stringify(value)} is not a COCO image id (image_ids: coco)`)
      let path: string | undefined = /^[0-9]+$/u.test(value) ? undefined : value
      if (exprs.imagePath !== undefined) {
        const p = evalText(exprs.imagePath, lookup)
        if (!p.ok && !p.missing) return bad(`image_path: ${p.reason}`)
        path = p.ok ? p.value.trim() : path
      }
      image = path === undefined ? { id: imageId } : { id: imageId, path }
    }
  }

  let context: string | undefined
  if (exprs.context !== undefined) {
    const r = evalTexts(exprs.context, lookup)
    if (!r.ok && !r.missing) return bad(`context: ${r.reason}`)
    if (r.ok) {
      const texts = cleanTexts(r.value)
      if (texts.length > 0) context = texts.join("\n")
    }
  }

  let task = plan.decl.task
  if (exprs.task !== undefined) {
    const r = evalText(exprs.task, lookup)
    if (!r.ok && !r.missing) return bad(`task: ${r.reason}`)
    if (r.ok && r.value.trim() !== "") task = r.value.trim()
  }

  const origin = rec.line !== undefined ? { file: plan.file, line: rec.line } : { file: plan.file, index: rec.index ?? 0 }
  // Built by assignment, not spreads: this object is made once per row.
  const sample: { -readonly [K in keyof Sample]: Sample[K] } = { id, dataset: plan.dataset, image, turns: turns.value, origin }
  if (context !== undefined) sample.context = context
  if (task !== undefined) sample.task = task
  if (plan.decl.license !== undefined) sample.license = plan.decl.license
  return { ok: true, sample }
}

/** Counts what a load kept from being silent: empty references skipped inside otherwise good rows. */
export interface LoadCounters {
  emptyReferences: number
}

/** json / jsonl / csv: one turn from the mapped (or fixed) instruction and references. */
export const mappedTurns = (decl: Dataset, exprs: Compiled, counters: LoadCounters) => (lookup: Lookup): Eval<ReadonlyArray<Turn>> => {
  let instruction: string
  if (decl.instruction !== undefined) instruction = decl.instruction.trim()
  else if (exprs.instruction !== undefined) {
    const r = evalText(exprs.instruction, lookup)
    if (!r.ok) return { ...r, reason: `instruction: ${r.reason}` }
    instruction = r.value.trim()
  } else return { ok: false, reason: "no instruction declared", missing: true }
  if (instruction === "") return { ok: false, reason: "empty instruction", missing: false }
  const references: Array<string> = []
  let empty = 0
  for (const e of exprs.references) {
    const r = evalTexts(e, lookup)
    if (!r.ok) return { ...r, reason: `references: ${r.reason}` }
    const texts = cleanTexts(r.value)
    empty += r.value.length - texts.length
    references.push(...texts)
  }
  if (references.length === 0) return { ok: false, reason: "empty response (no non-empty reference)", missing: false }
  counters.emptyReferences += empty
  return { ok: true, value: [{ instruction, references }] }
}
