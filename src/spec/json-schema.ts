/**
 * The spec's JSON Schema for editors, generated from the same Effect Schema that decodes specs,
 * and the key lookup that "did you mean" hints use.
 */
import * as Schema from "effect/Schema"
import { OptionalFields } from "./dataset.ts"
import { Spec } from "./schema.ts"

export const SCHEMA_ID = "https://revo.dev/schema/experiment.json"

type Json = { readonly [k: string]: unknown }

let cached: Json | undefined

export const specJsonSchema = (): Json => {
  if (cached) return cached
  const doc = Schema.toJsonSchemaDocument(Spec, { onExcessProperty: "error" })
  withOptionalShorthands(doc.schema as Json)
  cached = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: SCHEMA_ID,
    title: "revo experiment spec",
    description: "One YAML file describing a tune-cross-evaluation study (see DESIGN.md).",
    ...(doc.schema as Json),
    ...(Object.keys(doc.definitions ?? {}).length > 0 ? { $defs: doc.definitions } : {})
  }
  return cached
}

/**
 * `fields.image?` and `fields.id?` (src/spec/dataset.ts desugarOptionalFields, applied before
 * decoding, so the Effect Schema never sees them): the same value as `image` / `id`, for editors.
 */
const withOptionalShorthands = (root: Json): void => {
  const datasets = (root["properties"] as Record<string, Json> | undefined)?.["datasets"]
  for (const d of Object.values((datasets?.["patternProperties"] as Record<string, Json> | undefined) ?? {})) {
    const fields = (d["properties"] as Record<string, Json> | undefined)?.["fields"]
    const props = fields?.["properties"] as Record<string, Json> | undefined
    if (props === undefined) continue
    for (const name of OptionalFields) {
      const base = props[name]
      if (base === undefined) continue
      props[`${name}?`] = { ...base, description: `${name} for records that may lack it: the same as ${name}: plus optional: [${name}]` }
    }
  }
}

/** The keys an object at `path` of the spec may have (empty when unknown). */
export const knownKeysAt = (path: ReadonlyArray<string | number>): Array<string> => {
  const root = specJsonSchema()
  let nodes: Array<Json> = [root]
  for (const seg of path) {
    const next: Array<Json> = []
    for (const n of nodes.flatMap(expand(root))) {
      const props = n["properties"] as Record<string, Json> | undefined
      if (typeof seg === "string" && props && props[seg]) next.push(props[seg])
      else if (typeof seg === "number" && n["items"]) next.push(n["items"] as Json)
      else if (n["patternProperties"]) next.push(...Object.values(n["patternProperties"] as Record<string, Json>))
      else if (n["additionalProperties"] && typeof n["additionalProperties"] === "object") next.push(n["additionalProperties"] as Json)
    }
    nodes = next
  }
  const keys = new Set<string>()
  for (const n of nodes.flatMap(expand(root))) for (const k of Object.keys((n["properties"] as object | undefined) ?? {})) keys.add(k)
  return [...keys].sort()
}

const expand = (root: Json) => (n: Json): Array<Json> => {
  if (typeof n["$ref"] === "string") {
    const name = (n["$ref"] as string).replace(/^#\/\$defs\//, "")
    const def = (root["$defs"] as Record<string, Json> | undefined)?.[name]
    return def ? expand(root)(def) : []
  }
  const alts = (n["anyOf"] ?? n["oneOf"]) as Array<Json> | undefined
  return alts ? alts.flatMap(expand(root)) : [n]
}
