/** Evaluating a row filter (`where:`, parsed by src/spec/where.ts) on a record and its sample. */
import type { MappedField, Operand, Cond, Where } from "../spec/where.ts"
import { evalPath, type Lookup } from "./mapping.ts"

export { MAPPED_FIELDS, compileWhere, isWhereError, whereErrorText } from "../spec/where.ts"
export type { Cond, MappedField, Operand, Where, WhereError } from "../spec/where.ts"

/** The texts a mapped field has for a sample (undefined or [] when it has none). */
export type MappedValues = (name: MappedField) => ReadonlyArray<string> | undefined

const texts = (values: ReadonlyArray<unknown>, fansOut: boolean): Array<string> => {
  const out: Array<string> = []
  const add = (v: unknown) => {
    if (typeof v === "string") out.push(v)
    else if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") out.push(String(v))
  }
  for (const v of values) {
    if (Array.isArray(v) && !fansOut) v.forEach(add)
    else add(v)
  }
  return out
}

/** Whether a record (raw lookup) and, for mapped fields, its sample pass the condition. */
export const evalWhere = (w: Where, lookup: Lookup, mapped: MappedValues): boolean => {
  const valuesOf = (o: Operand): { texts: ReadonlyArray<string>; present: boolean } => {
    if (o.kind === "mapped") {
      const v = mapped(o.name) ?? []
      return { texts: v, present: v.some((t) => t.trim() !== "") }
    }
    const r = evalPath(o.path, lookup)
    if (!r.ok) return { texts: [], present: false }
    const t = texts(r.value, o.path.fansOut)
    // An object or a non-empty list exists even though it has no text to compare.
    const present = t.some((x) => x.trim() !== "") || r.value.some((v) => v !== null && typeof v === "object" && (!Array.isArray(v) || v.length > 0))
    return { texts: t, present }
  }
  const go = (c: Cond): boolean => {
    switch (c.kind) {
      case "and": return c.items.every(go)
      case "or": return c.items.some(go)
      case "not": return !go(c.item)
      case "exists": return valuesOf(c.operand).present
      case "eq": return valuesOf(c.operand).texts.includes(c.value)
      case "ne": return !valuesOf(c.operand).texts.includes(c.value)
      case "in": {
        const t = valuesOf(c.operand).texts
        return c.values.some((v) => t.includes(v))
      }
    }
  }
  return go(w.cond)
}
