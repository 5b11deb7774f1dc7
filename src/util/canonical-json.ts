/**
 * Canonical JSON: object keys sorted, no whitespace, so equal values give equal bytes and
 * equal hashes on any machine. Numbers use JavaScript's shortest round-trip form.
 *
 * The definition is `reference` below. `canonicalJson` gives the same bytes faster: a subtree
 * of plain data whose objects already list their keys in sorted order (every value read back
 * from the store, most values built in key order) is written by the engine's JSON.stringify,
 * which then writes exactly what the definition would (same key order, same string escapes,
 * same numbers, undefined members left out); anything else is written by the definition's
 * rules, one level at a time. test/util/canonical-json.test.ts holds the two to each other.
 */

/** The definition: keys sorted by UTF-16 code units, members whose value is undefined left out,
 * non-finite numbers and what JSON cannot write (undefined, functions) as null. */
export const reference = (value: unknown): string => {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null"
    return JSON.stringify(value) ?? "null"
  }
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`
  const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`).join(",")}}`
}

/** A primitive JSON.stringify writes as the definition does in every position (not a function,
 * symbol or bigint: as an object member those differ, or throw). */
const plainLeaf = (v: unknown): boolean => typeof v !== "function" && typeof v !== "symbol" && typeof v !== "bigint"

/**
 * Whether JSON.stringify writes `value` canonically: arrays without holes and plain objects
 * (prototype Object or null, no toJSON) whose own keys come in sorted order, all the way down.
 * JSON.stringify walks keys in the order Object.keys gives, so sorted there means sorted out.
 */
const nativeIsCanonical = (value: object): boolean => {
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype || Object.hasOwn(value, "toJSON")) return false
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      if (v === undefined ? !(i in value) : typeof v === "object" ? v !== null && !nativeIsCanonical(v) : !plainLeaf(v)) return false
    }
    return true
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if ((proto !== Object.prototype && proto !== null) || "toJSON" in value) return false
  let prev: string | undefined
  for (const k of Object.keys(value)) {
    if (prev !== undefined && prev > k) return false
    prev = k
    const v: unknown = (value as Record<string, unknown>)[k]
    if (typeof v === "object" ? v !== null && !nativeIsCanonical(v) : !plainLeaf(v)) return false
  }
  return true
}

export const canonicalJson = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null"
    return JSON.stringify(value) ?? "null"
  }
  if (nativeIsCanonical(value)) return JSON.stringify(value)
  if (Array.isArray(value)) {
    // As the definition's map + join: a hole stays empty (the engine would write null).
    let out = "["
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + (i in value ? canonicalJson(value[i]) : "")
    return out + "]"
  }
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort()
  let out = "{"
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    out += (i === 0 ? "" : ",") + JSON.stringify(k) + ":" + canonicalJson((value as Record<string, unknown>)[k])
  }
  return out + "}"
}

/**
 * The canonical JSON of an array as UTF-8 bytes, each element's bytes taken from (or added to)
 * `memo`: for outputs that repeat the same objects (the select step writes 13 tune sets drawn
 * from one pool of samples), each object is written and encoded once, and the output is one
 * copy of the pieces. Same bytes as Buffer.from(canonicalJson(items)).
 */
export const canonicalJsonArrayBytes = (items: ReadonlyArray<object>, memo: WeakMap<object, Buffer>): Buffer => {
  const parts: Array<Buffer> = [OPEN]
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!
    let bytes = memo.get(it)
    if (bytes === undefined) {
      bytes = Buffer.from(canonicalJson(it))
      memo.set(it, bytes)
    }
    if (i > 0) parts.push(COMMA)
    parts.push(bytes)
  }
  parts.push(CLOSE)
  return Buffer.concat(parts)
}

const OPEN = Buffer.from("[")
const COMMA = Buffer.from(",")
const CLOSE = Buffer.from("]")
