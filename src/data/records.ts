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
import { evalWhere, type MappedField, type Where } from "./where.ts"

export interface Compiled {
  readonly id?: Expr
  /** `optional: [id]`: a record without it falls back to its key, line or index. */
  readonly idOptional: boolean
  readonly image?: Expr
  /** The image field is the adapter's default, or declared `optional: [image]`: a record without it (or with an empty one) is text-only, not bad. */
  readonly imageOptional: boolean
  readonly imagePath?: Expr
  readonly instruction?: Expr
  readonly references: ReadonlyArray<Expr>
  readonly task?: Expr
  readonly context?: Expr
  /** The dataset's `instruction`: a fixed text, or a template where {instruction} is the source's own. */
  readonly instructionOverride?: { readonly fixed: string } | { readonly template: Expr }
  /** The row filter and when it is checked: on the record (raw), after the joins (it reads one), or on the sample (mapped $fields). */
  readonly where?: { readonly where: Where; readonly stage: "raw" | "joined" | "mapped" }
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

export type Built =
  | { readonly ok: true; readonly sample: Sample }
  | { readonly ok: false; readonly reason: string; readonly filtered?: undefined }
  /** Dropped by `where:`: counted, not a bad row. */
  | { readonly ok: false; readonly filtered: true; readonly reason?: undefined }

const bad = (reason: string): Built => ({ ok: false, reason })
const FILTERED: Built = { ok: false, filtered: true }

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
  const { exprs } = plan
  // A condition on the record's own fields is checked first, one that reads joins after them,
  // one that reads mapped fields on the sample: a row it drops is never a bad row for a reason
  // checked later (a required join's miss, a missing field).
  const where = exprs.where
  if (where !== undefined && where.stage === "raw" && !evalWhere(where.where, lookup, () => undefined)) return FILTERED
  for (let j = 0; j < plan.joins.length; j++) {
    const r = joinFor(plan.joins[j]!, lookup)
    if (!r.ok) return bad(r.reason)
    if (r.value !== undefined) joined[j] = r.value
  }
  if (where !== undefined && where.stage === "joined" && !evalWhere(where.where, lookup, () => undefined)) return FILTERED

  const fallbackId = () => rec.key ?? String(rec.line ?? rec.index)
  let id: string
  if (exprs.id !== undefined) {
    const r = evalText(exprs.id, lookup)
    if (!r.ok) {
      if (!(r.missing && exprs.idOptional)) return bad(`id: ${r.reason}`)
      id = fallbackId()
    } else {
      id = r.value.trim()
      if (id === "") {
        if (!exprs.idOptional) return bad("id: empty")
        id = fallbackId()
      }
    }
  } else {
    id = fallbackId()
  }

  const turns = plan.turns(lookup, rec.value)
  if (!turns.ok) return bad(turns.reason)

  let image: ImageRef = {}
  if (exprs.image !== undefined) {
    const r = evalText(exprs.image, lookup)
    if (!r.ok) {
      if (!(r.missing && exprs.imageOptional)) return bad(`image: ${r.reason}`)
    } else if (r.value.trim() === "" && exprs.imageOptional) {
      // an empty image cell (CSV) of an optional image: text-only
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

  if (where !== undefined && where.stage === "mapped") {
    const mapped = (name: MappedField): ReadonlyArray<string> | undefined => {
      switch (name) {
        case "$id": return [id]
        case "$image": return image.id === undefined ? undefined : [image.id]
        case "$image_path": return image.path === undefined ? undefined : [image.path]
        case "$instruction": return turns.value.map((t) => t.instruction)
        case "$references": return turns.value.flatMap((t) => t.references)
        case "$task": return task === undefined ? undefined : [task]
        case "$context": return context === undefined ? undefined : [context]
      }
    }
    if (!evalWhere(where.where, lookup, mapped)) return FILTERED
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

/**
 * The instruction a turn gets: the dataset's fixed `instruction`, or its template with
 * {instruction} bound to the source's own (`own`; other placeholders read the record), or the
 * source's own. `own` undefined: the format has none (coco-captions, or json without fields.instruction).
 */
export const finalInstruction = (exprs: Compiled, own: string | undefined, lookup: Lookup): Eval<string> => {
  const o = exprs.instructionOverride
  let text: string
  if (o === undefined) {
    if (own === undefined) return { ok: false, reason: "no instruction declared", missing: true }
    text = own
  } else if ("fixed" in o) {
    text = o.fixed
  } else {
    const bound: Lookup = own === undefined ? lookup : (root) => (root === "instruction" ? own : lookup(root))
    const r = evalText(o.template, bound)
    if (!r.ok) return { ...r, reason: `instruction: ${r.reason}` }
    text = r.value
  }
  text = text.trim()
  return text === "" ? { ok: false, reason: "empty instruction", missing: false } : { ok: true, value: text }
}

/** The dataset's instruction applied to each turn of an adapter that gives turns (llava). */
export const withInstruction = (exprs: Compiled, turns: Eval<ReadonlyArray<Turn>>, lookup: Lookup): Eval<ReadonlyArray<Turn>> => {
  if (!turns.ok || exprs.instructionOverride === undefined) return turns
  const out: Array<Turn> = []
  for (const t of turns.value) {
    const r = finalInstruction(exprs, t.instruction, lookup)
    if (!r.ok) return r
    out.push({ instruction: r.value, references: t.references })
  }
  return { ok: true, value: out }
}

/** The record's own mapped instruction (`fields.instruction`, if declared) through the dataset's `instruction`. */
export const mappedInstruction = (exprs: Compiled, lookup: Lookup): Eval<string> => {
  let own: string | undefined
  if (exprs.instruction !== undefined) {
    const r = evalText(exprs.instruction, lookup)
    if (!r.ok) return { ...r, reason: `instruction: ${r.reason}` }
    own = r.value
  }
  return finalInstruction(exprs, own, lookup)
}

/** One turn from the mapped instruction (through the dataset's `instruction`) and the mapped references. */
export const mappedTurns = (exprs: Compiled, counters: LoadCounters) => (lookup: Lookup): Eval<ReadonlyArray<Turn>> => {
  const instruction = mappedInstruction(exprs, lookup)
  if (!instruction.ok) return instruction
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
  return { ok: true, value: [{ instruction: instruction.value, references }] }
}
