/**
 * The field-mapping language of dataset declarations (see src/spec/dataset.ts):
 *
 *   path      question · answers[0].answer · answers[-1] · meta["full answer"] · $key
 *   fan-out   answers[*] · caps[*].caption          (one value per list element, flattened)
 *   template  "{answers[0].answer} because {explanation[*]}"   ({{ and }} are literal braces)
 *
 * A template whose placeholders fan out gives one text per element; several fanned-out
 * placeholders are zipped and must have the same length. Evaluation never throws: it returns
 * values or the reason the row is bad (missing field, wrong type), which becomes a BadRow.
 */

export type Segment =
  | { readonly kind: "key"; readonly name: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "all" }

export interface PathExpr {
  readonly kind: "path"
  readonly source: string
  readonly root: string
  readonly rest: ReadonlyArray<Segment>
  readonly fansOut: boolean
}

export interface TemplateExpr {
  readonly kind: "template"
  readonly source: string
  readonly parts: ReadonlyArray<string | PathExpr>
  readonly fansOut: boolean
}

export type Expr = PathExpr | TemplateExpr

/** Finds the value of a path's first name: a record field, a join's rows, or $key/$index/$line. */
export type Lookup = (root: string) => unknown

export type Eval<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly reason: string; readonly missing: boolean }

const ok = <A>(value: A): Eval<A> => ({ ok: true, value })
const missing = (what: string): Eval<never> => ({ ok: false, reason: `missing field ${what}`, missing: true })
const wrongType = (reason: string): Eval<never> => ({ ok: false, reason: `wrong type: ${reason}`, missing: false })

const NAME_CHAR = /[^.[\]{}\s]/u

/** Parse a path; a string is the reason it is not one. */
export const compilePath = (source: string): PathExpr | string => {
  const s = source.trim()
  let i = 0
  const segments: Array<Segment> = []
  const name = (): string | undefined => {
    const start = i
    while (i < s.length && NAME_CHAR.test(s[i]!)) i++
    return i > start ? s.slice(start, i) : undefined
  }
  const bracket = (): Segment | string => {
    // s[i] is "["
    let j = i + 1
    let inner: string
    if (s[j] === "\"") {
      const q = findQuoted(s, j)
      if (q < 0 || s[q + 1] !== "]") return `unclosed [ in ${JSON.stringify(source)}`
      inner = s.slice(j, q + 1)
      j = q + 1
    } else {
      const close = s.indexOf("]", j)
      if (close < 0) return `unclosed [ in ${JSON.stringify(source)}`
      inner = s.slice(j, close).trim()
      j = close
    }
    i = j + 1
    if (inner === "*") return { kind: "all" }
    if (/^-?[0-9]+$/u.test(inner)) return { kind: "index", index: Number(inner) }
    if (inner.startsWith("\"")) {
      try {
        return { kind: "key", name: JSON.parse(inner) as string }
      } catch {
        return `bad quoted key ${inner} in ${JSON.stringify(source)}`
      }
    }
    return `expected [n], [*] or ["key"], got [${inner}] in ${JSON.stringify(source)}`
  }
  if (s === "") return "empty path"
  if (s[0] === "[") {
    const b = bracket()
    if (typeof b === "string") return b
    if (b.kind !== "key") return `a path starts with a field name, not [${b.kind === "all" ? "*" : b.index}]`
    segments.push(b)
  } else {
    const n = name()
    if (n === undefined) return `expected a field name at the start of ${JSON.stringify(source)}`
    segments.push({ kind: "key", name: n })
  }
  while (i < s.length) {
    if (s[i] === ".") {
      i++
      const n = name()
      if (n === undefined) return `expected a field name after "." in ${JSON.stringify(source)}`
      segments.push({ kind: "key", name: n })
    } else if (s[i] === "[") {
      const b = bracket()
      if (typeof b === "string") return b
      segments.push(b)
    } else {
      return /\s/u.test(s[i]!)
        ? `${JSON.stringify(source)} is not a path (spaces are not allowed; for a fixed text use \`instruction:\`, for text around fields a {template})`
        : `unexpected ${JSON.stringify(s[i])} in ${JSON.stringify(source)}`
    }
  }
  const [first, ...rest] = segments
  return { kind: "path", source, root: (first as { name: string }).name, rest, fansOut: rest.some((x) => x.kind === "all") }
}

const findQuoted = (s: string, at: number): number => {
  for (let j = at + 1; j < s.length; j++) {
    if (s[j] === "\\") j++
    else if (s[j] === "\"") return j
  }
  return -1
}

/** A template when the text holds `{`, else a path. */
export const compileExpr = (source: string): Expr | string => {
  if (!source.includes("{") && !source.includes("}")) return compilePath(source)
  const parts: Array<string | PathExpr> = []
  let text = ""
  let i = 0
  while (i < source.length) {
    const c = source[i]!
    if (c === "{" && source[i + 1] === "{") { text += "{"; i += 2; continue }
    if (c === "}" && source[i + 1] === "}") { text += "}"; i += 2; continue }
    if (c === "}") return `unmatched } in template ${JSON.stringify(source)} (write }} for a literal brace)`
    if (c === "{") {
      const close = source.indexOf("}", i)
      if (close < 0) return `unclosed { in template ${JSON.stringify(source)}`
      const p = compilePath(source.slice(i + 1, close))
      if (typeof p === "string") return `in template ${JSON.stringify(source)}: ${p}`
      if (text !== "") parts.push(text)
      text = ""
      parts.push(p)
      i = close + 1
      continue
    }
    text += c
    i++
  }
  if (text !== "") parts.push(text)
  if (!parts.some((p) => typeof p !== "string")) return `template ${JSON.stringify(source)} has no {field}`
  return { kind: "template", source, parts, fansOut: parts.some((p) => typeof p !== "string" && p.fansOut) }
}

const typeName = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : typeof v === "string" ? "a text" : `a ${typeof v}`

const segText = (s: Segment): string => (s.kind === "key" ? `.${s.name}` : s.kind === "all" ? "[*]" : `[${s.index}]`)

/** Every value the path reaches (one unless it fans out). */
export const evalPath = (p: PathExpr, lookup: Lookup): Eval<ReadonlyArray<unknown>> => {
  const rootValue = lookup(p.root)
  if (rootValue === undefined || rootValue === null) return missing(p.root)
  let current: Array<unknown> = [rootValue]
  let where = p.root
  for (const seg of p.rest) {
    const next: Array<unknown> = []
    const here = where + segText(seg)
    for (const v of current) {
      if (seg.kind === "key") {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return wrongType(`${where} is ${typeName(v)}, not an object with field "${seg.name}"`)
        const x = (v as Record<string, unknown>)[seg.name]
        if (x === undefined || x === null) return missing(here)
        next.push(x)
      } else {
        if (!Array.isArray(v)) return wrongType(`${where} is ${typeName(v)}, not a list`)
        if (seg.kind === "all") {
          for (const x of v) next.push(x)
        } else {
          const x = v[seg.index < 0 ? v.length + seg.index : seg.index]
          if (x === undefined || x === null) return missing(here)
          next.push(x)
        }
      }
    }
    current = next
    where = here
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
