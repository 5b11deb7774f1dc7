/**
 * Warnings of a load that succeeded but is probably not what was meant: an optional join that
 * matched no row (or under 1% of the records), a context that is empty for every sample, a mapped
 * field that is always empty. `revo inspect` prints and counts them, `revo run` logs them.
 */
import type { Dataset } from "../spec/dataset.ts"
import type { JoinIndex } from "./joins.ts"
import type { Compiled } from "./records.ts"
import type { Sample } from "./sample.ts"

/** Below this share of records matched, an optional join is reported. */
export const JOIN_MATCH_WARN = 0.01

const pct = (x: number) => `${(100 * x).toFixed(x < 0.001 ? 3 : 2)}%`

/** An optional join that matched no record, or under 1% of them (undefined otherwise). */
export const joinWarning = (id: string, j: JoinIndex): string | undefined => {
  const { looked, matched, firstLooked } = j.counts
  if (j.required || looked === 0 || matched >= JOIN_MATCH_WARN * looked) return undefined
  const sides = `on: ${j.on.source} gave keys like ${JSON.stringify(firstLooked ?? "")}, keys of ${j.path} look like ${JSON.stringify(j.exampleKey)}`
  return matched === 0
    ? `Dataset ${id}, join "${j.as}": matched no row for any of ${looked} records (${sides})`
    : `Dataset ${id}, join "${j.as}": matched only ${matched} of ${looked} records (${pct(matched / looked)}, under ${pct(JOIN_MATCH_WARN)}; ${sides})`
}

export const datasetWarnings = (
  id: string,
  decl: Dataset,
  exprs: Compiled,
  joins: ReadonlyArray<JoinIndex>,
  samples: ReadonlyArray<Sample>
): Array<string> => {
  const out: Array<string> = []
  for (const j of joins) {
    const w = joinWarning(id, j)
    if (w !== undefined) out.push(w)
  }
  if (samples.length === 0) return out
  if (decl.context !== undefined && samples.every((s) => s.context === undefined)) {
    out.push(`Dataset ${id}, context ${JSON.stringify(decl.context)}: empty for every one of ${samples.length} samples`)
  }
  const f = decl.fields ?? {}
  if (f.image !== undefined && exprs.imageOptional && samples.every((s) => s.image.id === undefined)) {
    out.push(`Dataset ${id}, fields.image ${JSON.stringify(f.image)}: empty for every one of ${samples.length} samples (all are text-only)`)
  }
  if (f.image_path !== undefined && samples.every((s) => s.image.path === undefined)) {
    out.push(`Dataset ${id}, fields.image_path ${JSON.stringify(f.image_path)}: empty for every one of ${samples.length} samples`)
  }
  if (f.task !== undefined && decl.task === undefined && samples.every((s) => s.task === undefined)) {
    out.push(`Dataset ${id}, fields.task ${JSON.stringify(f.task)}: empty for every one of ${samples.length} samples`)
  }
  return out
}
