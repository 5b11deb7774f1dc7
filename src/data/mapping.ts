/**
 * Evaluation of the field-mapping language of dataset declarations (the syntax and its parser:
 * src/spec/mapping.ts).
 *
 * A template whose placeholders fan out gives one text per element; several fanned-out
 * placeholders are zipped and must have the same length. Evaluation never throws: it returns
 * values or the reason the row is bad (missing field, wrong type), which becomes a BadRow.
 */

import type { Expr, PathExpr, Segment } from "../spec/mapping.ts"

export { compileExpr, compilePath, type Expr, type PathExpr, type Segment, type TemplateExpr } from "../spec/mapping.ts"

/** Finds the value of a path's first name: a record field, a join's rows, or $key/$index/$line. */
export type Lookup = (root: string) => unknown

export type Eval<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly reason: string; readonly missing: boolean }

const ok = <A>(value: A): Eval<A> => ({ ok: true, value })
const missing = (what: string): Eval<never> => ({ ok: false, reason: `missing field ${what}`, missing: true })
const wrongType = (reason: string): Eval<never> => ({ ok: false, reason: `wrong type: ${reason}`, missing: false })

const typeName = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : typeof v === "string" ? "a text" : `a ${typeof v}`

const segText = (s: Segment): string => (s.kind === "key" ? `.${s.name}` : s.kind === "all" ? "[*]" : `[${s.index}]`)

/** The path's text up to (not including) segment `i`: `where` in messages, built only for them. */
const whereAt = (p: PathExpr, i: number): string => {
  let w = p.root
  for (let k = 0; k < i; k++) w += segText(p.rest[k]!)
  return w
}

/** Every value the path reaches (one unless it fans out). */
export const evalPath = (p: PathExpr, lookup: Lookup): Eval<ReadonlyArray<unknown>> => {
  const rootValue = lookup(p.root)
  if (rootValue === undefined || rootValue === null) return missing(p.root)
  // Until the path fans out ([*]) it holds one value: no list per segment (this runs for every
  // field of every record of a load). The same checks, in the same order, as the general loop below.
  const rest = p.rest
  let v: unknown = rootValue
  let i = 0
  for (; i < rest.length; i++) {
    const seg = rest[i]!
    if (seg.kind === "key") {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return wrongType(`${whereAt(p, i)} is ${typeName(v)}, not an object with field "${seg.name}"`)
      const x = (v as Record<string, unknown>)[seg.name]
      if (x === undefined || x === null) return missing(whereAt(p, i + 1))
      v = x
    } else if (seg.kind === "index") {
      if (!Array.isArray(v)) return wrongType(`${whereAt(p, i)} is ${typeName(v)}, not a list`)
      const x = v[seg.index < 0 ? v.length + seg.index : seg.index]
      if (x === undefined || x === null) return missing(whereAt(p, i + 1))
      v = x
    } else break
  }
  if (i === rest.length) return ok([v])
  let current: Array<unknown> = [v]
  for (; i < rest.length; i++) {
    const seg = rest[i]!
    const next: Array<unknown> = []
    for (const v of current) {
      if (seg.kind === "key") {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return wrongType(`${whereAt(p, i)} is ${typeName(v)}, not an object with field "${seg.name}"`)
        const x = (v as Record<string, unknown>)[seg.name]
        if (x === undefined || x === null) return missing(whereAt(p, i + 1))
        next.push(x)
      } else {
        if (!Array.isArray(v)) return wrongType(`${whereAt(p, i)} is ${typeName(v)}, not a list`)
        if (seg.kind === "all") {
          for (const x of v) next.push(x)
        } else {
          const x = v[seg.index < 0 ? v.length + seg.index : seg.index]
          if (x === undefined || x === null) return missing(whereAt(p, i + 1))
          next.push(x)
        }
      }
    }
    current = next
  }
  return ok(current)
}

const scalarText = (v: unknown, where: string): Eval<string> =>
  typeof v === "string" ? ok(v) :
  typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" ? ok(String(v)) :
  wrongType(`${where} is ${typeName(v)}, expected a text${Array.isArray(v) ? ` (write ${where}[*] to use every element)` : ""}`)

/**
 * The texts an expression gives. A path that reaches a list of texts gives its elements
 * (so `captions` and `captions[*]` agree); a template gives one text per fanned-out element.
 */
export const evalTexts = (e: Expr, lookup: Lookup): Eval<ReadonlyArray<string>> => {
  if (e.kind === "path") {
    const r = evalPath(e, lookup)
    if (!r.ok) return r
    const out: Array<string> = []
    for (const v of r.value) {
      if (Array.isArray(v) && !e.fansOut) {
        for (const x of v) {
          const t = scalarText(x, `${e.source}[*]`)
          if (!t.ok) return t
          out.push(t.value)
        }
      } else {
        const t = scalarText(v, e.source)
        if (!t.ok) return t
        out.push(t.value)
      }
    }
    return ok(out)
  }
  const resolved: Array<string | ReadonlyArray<string>> = []
  let width: number | undefined
  for (const part of e.parts) {
    if (typeof part === "string") {
      resolved.push(part)
      continue
    }
    const r = evalPath(part, lookup)
    if (!r.ok) return r
    const texts: Array<string> = []
    for (const v of r.value) {
      const t = scalarText(v, part.source)
      if (!t.ok) return t
      texts.push(t.value)
    }
    if (part.fansOut) {
      if (width !== undefined && width !== texts.length) {
        return wrongType(`template ${JSON.stringify(e.source)} fans out over lists of different lengths (${width} and ${texts.length})`)
      }
      width = texts.length
      resolved.push(texts)
    } else {
      resolved.push(texts[0]!)
    }
  }
  const n = width ?? 1
  const out: Array<string> = []
  for (let k = 0; k < n; k++) {
    let s = ""
    for (const r of resolved) s += typeof r === "string" ? r : r[k]!
    out.push(s)
  }
  return ok(out)
}

/** Exactly one text (ids, instructions, image references). */
export const evalText = (e: Expr, lookup: Lookup): Eval<string> => {
  const r = evalTexts(e, lookup)
  if (!r.ok) return r
  if (r.value.length !== 1) {
    return r.value.length === 0 ? missing(`${e.source} (an empty list)`) : wrongType(`${e.source} gives ${r.value.length} values, expected one`)
  }
  return ok(r.value[0]!)
}

/** The raw single value of a path (join keys keep their type until normalised). */
export const evalOne = (p: PathExpr, lookup: Lookup): Eval<unknown> => {
  const r = evalPath(p, lookup)
  if (!r.ok) return r
  if (r.value.length !== 1) return wrongType(`${p.source} gives ${r.value.length} values, expected one`)
  return ok(r.value[0])
}

/** A lookup over a plain object record, with extra roots (joins, $key ...) taking precedence. */
export const recordLookup = (record: unknown, extra: ReadonlyMap<string, unknown>): Lookup => (root) => {
  if (extra.has(root)) return extra.get(root)
  return record !== null && typeof record === "object" && !Array.isArray(record) ? (record as Record<string, unknown>)[root] : undefined
}

/** The paths an expression reads (a path itself, or a template's placeholders). */
export const pathsOf = (e: Expr): ReadonlyArray<PathExpr> =>
  e.kind === "path" ? [e] : e.parts.filter((p): p is PathExpr => typeof p !== "string")

/**
 * A join key: a path keeps its raw value (normalised later: 11 and "11" agree), a template
 * gives its one text (`{image}:{question_id}`, a composite key).
 */
export const evalKey = (e: Expr, lookup: Lookup): Eval<unknown> => (e.kind === "path" ? evalOne(e, lookup) : evalText(e, lookup))
