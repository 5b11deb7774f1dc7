/**
 * The spec's `backend` checked against the plugin it names, before anything runs: the plugin
 * must exist (a typo is a located error with a suggestion, not a failure at run time) and
 * `backend.params` must fit the JSON Schema in its manifest. `revo validate` and `revo run`
 * pass this to loadSpec, so the problems come out as `file:line:col backend.params.x: ...`.
 */
import type { SpecCheck } from "../spec/load.ts"
import { checkParams } from "./params-schema.ts"
import { locatePlugin, readManifestSync } from "./registry.ts"

export const backendCheck: SpecCheck = (spec, { specDir, locate }) => {
  const ref = spec.backend.plugin
  const where = locatePlugin(ref, { baseDir: specDir })
  if (where._tag === "missing") {
    const hint = where.suggestion !== undefined ? ` (did you mean "${where.suggestion}"?)` : ""
    return [locate(["backend", "plugin"], `${where.message}${hint}`)]
  }
  const read = readManifestSync(ref, where.manifestFile)
  if ("error" in read) return [locate(["backend", "plugin"], read.error)]
  const schema = read.manifest.params
  if (schema === undefined) return []
  return checkParams(schema, spec.backend.params).map((i) =>
    locate(["backend", "params", ...i.path], i.message, { atKey: i.atKey })
  )
}
