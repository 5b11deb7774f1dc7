/**
 * The field-mapping language of dataset declarations, as the spec writes it (parsing only; the
 * data layer evaluates it, src/data/mapping.ts):
 *
 *   path      question · answers[0].answer · answers[-1] · meta["full answer"] · $key
 *   fan-out   answers[*] · caps[*].caption          (one value per list element, flattened)
 *   template  "{answers[0].answer} because {explanation[*]}"   ({{ and }} are literal braces)
 *
 * It lives in spec/ because the spec validates every expression when it is loaded, and the spec
 * sits below the data layer.
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
