/**
 * `revo inspect <spec> [--dataset ID] [--json]`: what each dataset holds (samples, items,
 * references, images, bad rows), its train/eval split after the leakage rule, and examples.
 * Every dataset is loaded and split even with --dataset, because leakage moves depend on all.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { formatBadRow } from "../data/errors.ts"
import { loadDatasets, type LoadedDataset } from "../data/load.ts"
import type { Item } from "../data/sample.ts"
import { splitAll, type DatasetSplit } from "../data/split.ts"
import { describeDataset, exampleItems, type DatasetStats } from "../data/stats.ts"
import { hubFiles } from "../hub/source.ts"
import { hubOptions, loadSpec } from "../spec/load.ts"
import { UsageError } from "./errors.ts"

export interface InspectArgs {
  readonly spec: string
  readonly set: ReadonlyArray<string>
  readonly dataRoot: Option.Option<string>
  readonly json: boolean
  readonly dataset: Option.Option<string>
}

const BAD_ROWS_SHOWN = 5
const EXAMPLES = 2

const round = (x: number) => Math.round(x * 1000) / 1000

const exampleJson = (it: Item) => ({
  id: it.id,
  ...(it.image.id !== undefined ? { image: it.image.id } : {}),
  ...(it.history.length > 0 ? { history_turns: it.history.length } : {}),
  ...(it.context !== undefined ? { context: it.context } : {}),
  instruction: it.instruction,
  references: it.references
})

const datasetJson = (d: LoadedDataset, st: DatasetStats, sp: DatasetSplit) => ({
  samples: st.samples,
  items: st.items,
  bad_rows: st.badRows,
  train: sp.train.length,
  eval: sp.eval.length,
  moved_for_leakage: sp.movedForLeakage.total,
  moved_to_eval: sp.movedForLeakage.toEval,
  moved_to_train: sp.movedForLeakage.toTrain,
  eval_target: sp.target,
  references_per_item: { min: st.referencesPerItem.min, mean: round(st.referencesPerItem.mean), max: st.referencesPerItem.max },
  images: st.images,
  samples_without_image: st.withoutImage,
  samples_with_context: st.withContext,
  rows: d.rows,
  filtered: d.filtered,
  warnings: d.warnings,
  empty_references_skipped: d.emptyReferencesSkipped,
  key: d.key,
  files: d.files.map((f) => ({ role: f.role, path: f.path, sha256: f.sha256, bytes: f.bytes })),
  bad_row_list: d.badRows.map(formatBadRow),
  examples: exampleItems(d, EXAMPLES).map(exampleJson)
})

const clip = (s: string, n = 160) => {
  const one = s.replace(/\s+/gu, " ")
  return one.length > n ? `${one.slice(0, n - 1)}…` : one
}

const datasetText = (id: string, d: LoadedDataset, st: DatasetStats, sp: DatasetSplit): string => {
  const lines: Array<string> = []
  const r = st.referencesPerItem
  lines.push(`${id}  (key ${d.key.slice(0, 12)}; ${d.files.map((f) => f.path).join(" + ")})`)
  lines.push(`  samples ${st.samples} · items ${st.items} · references/item min ${r.min} mean ${r.mean.toFixed(2)} max ${r.max} · images ${st.images}` +
    (st.withoutImage > 0 ? ` (${st.withoutImage} samples without image)` : "") + ` · with context ${st.withContext}`)
  const m = sp.movedForLeakage
  lines.push(`  split: train ${sp.train.length} · eval ${sp.eval.length} (target ${sp.target}) · moved for leakage ${m.total}` +
    (m.total > 0 ? ` (${m.toEval} to eval, ${m.toTrain} to train)` : ""))
  lines.push(`  bad rows ${st.badRows} of ${d.rows}` + (d.filtered > 0 ? ` · dropped by where ${d.filtered}` : "") +
    (d.emptyReferencesSkipped > 0 ? ` · empty references skipped ${d.emptyReferencesSkipped}` : ""))
  for (const w of d.warnings) lines.push(`  warning: ${w}`)
  for (const b of d.badRows.slice(0, BAD_ROWS_SHOWN)) lines.push(`    - ${formatBadRow(b)}`)
  if (d.badRows.length > BAD_ROWS_SHOWN) lines.push(`    … ${d.badRows.length - BAD_ROWS_SHOWN} more (--json lists all)`)
  exampleItems(d, EXAMPLES).forEach((it, k) => {
    lines.push(`  example ${k + 1}: ${it.id}${it.image.id !== undefined ? ` [image ${it.image.id}]` : ""}${it.history.length > 0 ? ` (after ${it.history.length} turns)` : ""}`)
    if (it.context !== undefined) lines.push(`    context:   ${clip(it.context)}`)
    lines.push(`    instruct:  ${clip(it.instruction)}`)
    lines.push(`    reference: ${clip(it.references[0] ?? "")}${it.references.length > 1 ? `  (+${it.references.length - 1} more)` : ""}`)
  })
  return lines.join("\n")
}

export const runInspect = (args: InspectArgs) =>
  Effect.gen(function*() {
    const loaded = yield* loadSpec(args.spec, { set: args.set, ...(Option.isSome(args.dataRoot) ? { dataRoot: args.dataRoot.value } : {}) })
    const spec = loaded.spec
    const ids = Object.keys(spec.datasets).sort()
    if (Option.isSome(args.dataset) && !ids.includes(args.dataset.value)) {
      return yield* new UsageError({ message: `--dataset ${args.dataset.value}: no such dataset in ${args.spec} (datasets: ${ids.join(", ")})` })
    }
    const datasets = yield* loadDatasets(spec.datasets, { dataRoot: loaded.dataRoot, maxBadFraction: spec.split.max_bad_fraction, remote: hubFiles(hubOptions(loaded)) })
    const split = splitAll(
      ids.map((id) => ({ id, samples: datasets[id]!.samples, eval: spec.datasets[id]!.split?.eval })),
      { eval: spec.split.eval, leakage: spec.split.leakage },
      spec.split.seed ?? spec.seed
    )
    const shown = Option.isSome(args.dataset) ? [args.dataset.value] : ids
    if (args.json) {
      const out: Record<string, unknown> = {}
      for (const id of shown) out[id] = datasetJson(datasets[id]!, describeDataset(datasets[id]!), split.perDataset[id]!)
      const warnings = shown.reduce((n, id) => n + datasets[id]!.warnings.length, 0)
      yield* Console.log(JSON.stringify({ datasets: out, warnings, leakage: { rule: spec.split.leakage, conflicting_images: split.conflictingImages } }, null, 2))
      return
    }
    const blocks = shown.map((id) => datasetText(id, datasets[id]!, describeDataset(datasets[id]!), split.perDataset[id]!))
    const totals = ids.reduce((a, id) => a + datasets[id]!.samples.length, 0)
    const warnings = shown.reduce((n, id) => n + datasets[id]!.warnings.length, 0)
    yield* Console.log(
      `${blocks.join("\n\n")}\n\n${ids.length} datasets, ${totals} samples; leakage rule "${spec.split.leakage}": ` +
        `${split.conflictingImages} images were on both sides and were moved to one` +
        (warnings > 0 ? `; ${warnings} warning${warnings === 1 ? "" : "s"} (see above)` : "")
    )
  })
