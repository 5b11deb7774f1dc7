/**
 * Checking a spec's `backend.params` against the JSON Schema a plugin's manifest declares.
 * Plugins are written in any language, so the schema is plain JSON Schema; revo understands the
 * subset below and rejects a manifest that uses anything else (a keyword it would silently skip
 * is a check that silently never happens).
 */
import { didYouMean } from "../spec/did-you-mean.ts"

type Json = { readonly [k: string]: unknown }
export type ParamPath = ReadonlyArray<string | number>

export interface ParamIssue {
  /** below backend.params */
  readonly path: ParamPath
  readonly message: string
  /** the problem is the key itself (an unknown name), so point at the key, not its value */
  readonly atKey: boolean
}

const TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"] as const
const KEYWORDS = new Set([
  "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
  "pattern", "minItems", "maxItems", "items", "properties", "additionalProperties", "required", "anyOf",
  "description", "default", "examples", "title", "$comment"
])

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

/** Problems with the schema itself (for the manifest's loader), each as "at <path>: message". */
export const schemaProblems = (schema: unknown, at = "params"): Array<string> => {
  if (!isObj(schema)) return [`${at}: a JSON Schema must be an object`]
  const out: Array<string> = []
  for (const k of Object.keys(schema).sort()) {
    if (!KEYWORDS.has(k)) out.push(`${at}: unsupported JSON Schema keyword "${k}" (supported: ${[...KEYWORDS].sort().join(", ")})`)
  }
  const t = schema["type"]
  for (const name of t === undefined ? [] : Array.isArray(t) ? t : [t]) {
    if (!(TYPES as ReadonlyArray<unknown>).includes(name)) out.push(`${at}.type: unknown type ${JSON.stringify(name)}`)
  }
  if (schema["enum"] !== undefined && !Array.isArray(schema["enum"])) out.push(`${at}.enum: must be a list`)
  if (schema["pattern"] !== undefined) {
    try {
      new RegExp(String(schema["pattern"]), "u")
    } catch (e) {
      out.push(`${at}.pattern: ${(e as Error).message}`)
    }
  }
  if (schema["items"] !== undefined) out.push(...schemaProblems(schema["items"], `${at}.items`))
  if (isObj(schema["additionalProperties"])) out.push(...schemaProblems(schema["additionalProperties"], `${at}.additionalProperties`))
  else if (schema["additionalProperties"] !== undefined && typeof schema["additionalProperties"] !== "boolean") {
    out.push(`${at}.additionalProperties: must be a boolean or a schema`)
  }
  if (schema["properties"] !== undefined) {
    if (!isObj(schema["properties"])) out.push(`${at}.properties: must be an object`)
    else for (const [k, s] of Object.entries(schema["properties"])) out.push(...schemaProblems(s, `${at}.properties.${k}`))
  }
  if (schema["anyOf"] !== undefined) {
    if (!Array.isArray(schema["anyOf"]) || schema["anyOf"].length === 0) out.push(`${at}.anyOf: must be a non-empty list`)
    else schema["anyOf"].forEach((s, i) => out.push(...schemaProblems(s, `${at}.anyOf.${i}`)))
  }
  return out
}

const typeOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v

const matchesType = (v: unknown, t: string): boolean => {
  const actual = typeOf(v)
  return actual === t || (t === "number" && actual === "integer")
}

const article = (t: string) => (t === "integer" || t === "object" || t === "array" ? `an ${t}` : t === "null" ? "null" : `a ${t}`)

const shown = (v: unknown): string => {
  if (isObj(v)) return "a mapping"
  if (Array.isArray(v)) return "a list"
  return JSON.stringify(v)
}

/** Whether the value has one of the schema's types (and its const, when it has one). */
const typeFits = (schema: unknown, value: unknown): boolean => {
  if (!isObj(schema)) return true
  const t = schema["type"]
  if (t !== undefined && !(Array.isArray(t) ? t : [t]).some((x) => matchesType(value, String(x)))) return false
  return schema["const"] === undefined || sameJson(schema["const"], value)
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** The keys a schema's object allows, for "did you mean" and "known keys". */
export const knownParamKeys = (schema: unknown): Array<string> =>
  isObj(schema) && isObj(schema["properties"]) ? Object.keys(schema["properties"]).sort() : []

/** Every problem of `value` against `schema` (the subset above), with paths below backend.params. */
export const checkParams = (schema: unknown, value: unknown, path: ParamPath = []): Array<ParamIssue> => {
  if (!isObj(schema)) return []
  const issue = (message: string, atKey = false, p: ParamPath = path): ParamIssue => ({ path: p, message, atKey })
  const anyOf = schema["anyOf"]
  if (Array.isArray(anyOf)) {
    const results = anyOf.map((s) => checkParams(s, value, path))
    if (!results.some((r) => r.length === 0)) {
      // the one alternative whose type fits says most; else name the accepted types
      const fitting = anyOf.flatMap((s, i) => (typeFits(s, value) ? [results[i]!] : []))
      if (fitting.length === 1) return fitting[0]!
      const accepted = anyOf.flatMap((s) =>
        isObj(s) && s["type"] !== undefined ? [s["type"]].flat().map((x) => article(String(x))) : isObj(s) && s["const"] !== undefined ? [JSON.stringify(s["const"])] : []
      )
      return [issue(`Expected ${accepted.join(" or ")}, got ${shown(value)}`)]
    }
  }
  const t = schema["type"]
  if (t !== undefined) {
    const types = (Array.isArray(t) ? t : [t]).map(String)
    if (!types.some((x) => matchesType(value, x))) return [issue(`Expected ${types.map(article).join(" or ")}, got ${shown(value)}`)]
  }
  if (schema["const"] !== undefined && !sameJson(schema["const"], value)) return [issue(`Expected ${JSON.stringify(schema["const"])}, got ${shown(value)}`)]
  const en = schema["enum"]
  if (Array.isArray(en) && !en.some((e) => sameJson(e, value))) {
    const s = typeof value === "string" ? didYouMean(value, en.filter((e): e is string => typeof e === "string")) : undefined
    return [issue(`Expected one of ${en.map((e) => JSON.stringify(e)).join(", ")}, got ${shown(value)}${s ? ` (did you mean "${s}"?)` : ""}`)]
  }
  const out: Array<ParamIssue> = []
  if (typeof value === "number") {
    const min = schema["minimum"], max = schema["maximum"], xmin = schema["exclusiveMinimum"], xmax = schema["exclusiveMaximum"]
    if (typeof min === "number" && value < min) out.push(issue(`Expected a value >= ${min}, got ${value}`))
    if (typeof max === "number" && value > max) out.push(issue(`Expected a value <= ${max}, got ${value}`))
    if (typeof xmin === "number" && value <= xmin) out.push(issue(`Expected a value > ${xmin}, got ${value}`))
    if (typeof xmax === "number" && value >= xmax) out.push(issue(`Expected a value < ${xmax}, got ${value}`))
  }
  if (typeof value === "string") {
    const minL = schema["minLength"], maxL = schema["maxLength"], pat = schema["pattern"]
    if (typeof minL === "number" && value.length < minL) out.push(issue(`Expected at least ${minL} characters, got ${shown(value)}`))
    if (typeof maxL === "number" && value.length > maxL) out.push(issue(`Expected at most ${maxL} characters, got ${value.length}`))
    if (typeof pat === "string" && !new RegExp(pat, "u").test(value)) out.push(issue(`Expected a string matching /${pat}/, got ${shown(value)}`))
  }
  if (Array.isArray(value)) {
    const minI = schema["minItems"], maxI = schema["maxItems"]
    if (typeof minI === "number" && value.length < minI) out.push(issue(`Expected at least ${minI} item${minI === 1 ? "" : "s"}, got ${value.length}`))
    if (typeof maxI === "number" && value.length > maxI) out.push(issue(`Expected at most ${maxI} items, got ${value.length}`))
    if (schema["items"] !== undefined) value.forEach((v, i) => out.push(...checkParams(schema["items"], v, [...path, i])))
  }
  if (isObj(value)) {
    const props = isObj(schema["properties"]) ? schema["properties"] : {}
    const known = Object.keys(props).sort()
    for (const k of Object.keys(value).sort()) {
      if (k in props) out.push(...checkParams(props[k], value[k], [...path, k]))
      else if (schema["additionalProperties"] === false) {
        const s = didYouMean(k, known)
        const hint = s ? ` (did you mean "${s}"?)` : known.length > 0 ? ` (known keys: ${known.join(", ")})` : " (this plugin takes no params)"
        out.push(issue(`Unknown key "${k}"${hint}`, true, [...path, k]))
      } else if (isObj(schema["additionalProperties"])) out.push(...checkParams(schema["additionalProperties"], value[k], [...path, k]))
    }
    const req = schema["required"]
    if (Array.isArray(req)) {
      for (const k of req) if (typeof k === "string" && !(k in value)) out.push(issue(`Missing required key "${k}"`))
    }
  }
  return out
}
