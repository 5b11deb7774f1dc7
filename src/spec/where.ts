/**
 * Row filters (`where:` of a dataset): a small expression language over a record's raw paths
 * (the mapping language's paths: `category`, `answers[*].answer`, `caps`, `$key`) and the
 * sample's mapped fields (`$id`, `$image`, `$image_path`, `$instruction`, `$references`,
 * `$task`, `$context`).
 *
 *   cond    := or
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | "(" cond ")" | atom
 *   atom    := "exists" operand | operand ("=" | "==" | "!=") value | operand "in" "[" value ("," value)* "]"
 *   value   := "text" | 'text' | number | true | false | bare-word
 *
 * A path that reaches several values (a list, `[*]`) matches when any of them does. A missing
 * value never equals anything (so `x != v` holds for it); `exists x` holds when x has a value
 * that is not null and not empty text. Values compare as text (`question_id = 7` matches 7 and "7").
 * Parse errors give the character where parsing stopped, so `revo validate` can point at it.
 * This module parses (the spec checks syntax); src/data/where.ts evaluates.
 */
import { compilePath, type PathExpr } from "./mapping.ts"

export const MAPPED_FIELDS = ["$id", "$image", "$image_path", "$instruction", "$references", "$task", "$context"] as const
export type MappedField = typeof MAPPED_FIELDS[number]

export type Operand = { readonly kind: "mapped"; readonly name: MappedField } | { readonly kind: "raw"; readonly path: PathExpr }

export type Cond =
  | { readonly kind: "and" | "or"; readonly items: ReadonlyArray<Cond> }
  | { readonly kind: "not"; readonly item: Cond }
  | { readonly kind: "exists"; readonly operand: Operand }
  | { readonly kind: "eq" | "ne"; readonly operand: Operand; readonly value: string }
  | { readonly kind: "in"; readonly operand: Operand; readonly values: ReadonlyArray<string> }

export interface Where {
  readonly source: string
  readonly cond: Cond
  /** Reads a mapped `$field`: checked on the built sample rather than the raw record. */
  readonly readsMapped: boolean
  /** Every raw path it reads (for `revo validate`'s data check). */
  readonly paths: ReadonlyArray<PathExpr>
}

export interface WhereError {
  readonly message: string
  /** 0-based character offset in the source. */
  readonly at: number
}

const KEYWORDS = new Set(["and", "or", "not", "in", "exists"])

class ParseFail {
  readonly message: string
  readonly at: number
  constructor(message: string, at: number) {
    this.message = message
    this.at = at
  }
}

/** Parse a `where:` expression; a WhereError says what is wrong and where. */
export const compileWhere = (source: string): Where | WhereError => {
  let i = 0
  const s = source
  const paths: Array<PathExpr> = []
  let readsMapped = false
  const ws = () => { while (i < s.length && /\s/u.test(s[i]!)) i++ }
  const fail = (message: string, at = i): never => { throw new ParseFail(message, at) }
  const peekWord = (): string | undefined => {
    ws()
    const m = /^[A-Za-z_]+/u.exec(s.slice(i))
    return m !== null && (i + m[0].length === s.length || /[\s([]/u.test(s[i + m[0].length]!)) ? m[0] : undefined
  }
  const quoted = (): string => {
    const q = s[i]!
    const start = i
    let out = ""
    i++
    while (i < s.length && s[i] !== q) {
      if (s[i] === "\\" && i + 1 < s.length) i++
      out += s[i]
      i++
    }
    if (i >= s.length) fail(`unclosed ${q}`, start)
    i++
    return out
  }
  const operand = (): Operand => {
    ws()
    const start = i
    if (i >= s.length) fail("expected a field (a path such as category or answers[*].answer, or a mapped $field)")
    if (!/[A-Za-z_$"[]/u.test(s[i]!)) fail(`expected a field, got ${JSON.stringify(s[i])}`)
    while (i < s.length && !/[\s()=!,]/u.test(s[i]!)) {
      if (s[i] === "[") {
        const close = s[i + 1] === "\"" ? s.indexOf("\"]", i + 2) + 1 : s.indexOf("]", i)
        if (close <= 0) fail("unclosed [", i)
        i = close + 1
      } else i++
    }
    const text = s.slice(start, i)
    if ((MAPPED_FIELDS as ReadonlyArray<string>).includes(text)) {
      readsMapped = true
      return { kind: "mapped", name: text as MappedField }
    }
    if (text.startsWith("$") && !/^\$(key|index|line)\b/u.test(text)) {
      fail(`unknown field ${text} (mapped fields: ${MAPPED_FIELDS.join(", ")}; record fields: $key, $index, $line)`, start)
    }
    const p = compilePath(text)
    if (typeof p === "string") fail(p, start)
    paths.push(p as PathExpr)
    return { kind: "raw", path: p as PathExpr }
  }
  const value = (): string => {
    ws()
    if (i >= s.length) fail("expected a value (a \"text\", a number, true or false)")
    if (s[i] === "\"" || s[i] === "'") return quoted()
    const m = /^[^\s()[\],=!'"]+/u.exec(s.slice(i))
    if (m === null) fail(`expected a value, got ${JSON.stringify(s[i])}`)
    i += m![0].length
    return m![0]
  }
  const atom = (): Cond => {
    ws()
    if (s[i] === "(") {
      i++
      const c = or()
      ws()
      if (s[i] !== ")") fail(i >= s.length ? "expected ) to close the ( " : `expected ) or and/or, got ${JSON.stringify(s[i])}`)
      i++
      return c
    }
    const w = peekWord()
    if (w === "not") {
      i += 3
      return { kind: "not", item: atom() }
    }
    if (w === "exists") {
      i += 6
      return { kind: "exists", operand: operand() }
    }
    if (w !== undefined && KEYWORDS.has(w)) fail(`expected a condition, got "${w}"`)
    const o = operand()
    ws()
    if (s.startsWith("!=", i)) { i += 2; return { kind: "ne", operand: o, value: value() } }
    if (s.startsWith("==", i)) { i += 2; return { kind: "eq", operand: o, value: value() } }
    if (s[i] === "=") { i += 1; return { kind: "eq", operand: o, value: value() } }
    if (peekWord() === "in") {
      i += 2
      ws()
      if (s[i] !== "[") fail("expected [ after in (a list of values: in [a, b])")
      i++
      const values: Array<string> = []
      for (;;) {
        values.push(value())
        ws()
        if (s[i] === ",") { i++; continue }
        if (s[i] === "]") { i++; break }
        fail("expected , or ] in the list of values")
      }
      return { kind: "in", operand: o, values }
    }
    return fail(i >= s.length ? "expected =, != or in after the field (or write exists <field>)" : `expected =, != or in, got ${JSON.stringify(s.slice(i, i + 8))}`)
  }
  const and = (): Cond => {
    const items = [atom()]
    while (peekWord() === "and") { i += 3; items.push(atom()) }
    return items.length === 1 ? items[0]! : { kind: "and", items }
  }
  const or = (): Cond => {
    const items = [and()]
    while (peekWord() === "or") { i += 2; items.push(and()) }
    return items.length === 1 ? items[0]! : { kind: "or", items }
  }
  try {
    if (s.trim() === "") return { message: "empty condition", at: 0 }
    const cond = or()
    ws()
    if (i < s.length) fail(`expected and, or or the end, got ${JSON.stringify(s.slice(i, i + 8))}`)
    return { source, cond, readsMapped, paths }
  } catch (e) {
    if (e instanceof ParseFail) return { message: e.message, at: e.at }
    throw e
  }
}

export const isWhereError = (w: Where | WhereError): w is WhereError => !("cond" in w)

/** The one-line message of a parse error: what, at which character, and the text up to there. */
export const whereErrorText = (e: WhereError, source: string): string =>
  `${e.message} at character ${e.at + 1} of ${JSON.stringify(source)}`

