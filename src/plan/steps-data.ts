/**
 * Load and split tasks: the data layer behind the task contract. A load task's key hashes the
 * dataset's declaration and source bytes (computed before planning), so editing a file or a
 * mapping reruns exactly that load, and what its output reaches.
 */
import * as Effect from "effect/Effect"
import { loadDataset } from "../data/load.ts"
import { itemsOf, namespaced, type Sample } from "../data/sample.ts"
import { emptySplitReason, foldOf, splitForSpec } from "../data/split.ts"
import type { Dataset } from "../spec/dataset.ts"
import { hubFiles } from "../hub/source.ts"
import { hubOptions, type LoadedSpec } from "../spec/load.ts"
import type { Spec } from "../spec/schema.ts"
import { type OutputRef, TaskFailure, type TaskSpec } from "../runtime/task.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { implementationVersion } from "../util/import-graph.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const DATA_STEP_VERSION = implementationVersion(import.meta.url)

export const loadStep = (id: string, decl: Dataset, loaded: LoadedSpec, datasetKey: string): TaskSpec => ({
  label: `load:${id}`,
  kind: "load",
  version: DATA_STEP_VERSION,
  params: { id, datasetKey, maxBadFraction: loaded.spec.split.max_bad_fraction },
  inputs: {},
  resource: "cpu",
  run: () =>
    loadDataset(id, decl, { dataRoot: loaded.dataRoot, maxBadFraction: loaded.spec.split.max_bad_fraction, remote: hubFiles(hubOptions(loaded)) }).pipe(
      Effect.mapError((e) => new TaskFailure({ message: e.message })),
      // The key was planned from the files' bytes before this task read them again; what was
      // parsed must be those same bytes, or the store would keep other data under that key.
      Effect.filterOrFail(
        (d) => d.key === datasetKey,
        (d) => new TaskFailure({
          message: `dataset ${id} changed since the run was planned: ${d.files.map((f) => f.path).join(", ")} no longer hash to the planned key ` +
            `(${datasetKey.slice(0, 12)}, now ${d.key.slice(0, 12)}); nothing was stored. Run again once the files are final.`
        })
      ),
      Effect.map((d) => ({
        samples: canonicalJson(d.samples),
        summary: canonicalJson({
          samples: d.samples.length,
          items: d.samples.reduce((n, s) => n + s.turns.length, 0),
          // every bad row: the report lists them all in bad-rows.jsonl
          bad_rows: { count: d.badRows.length, rows: d.badRows },
          filtered: d.filtered,
          // read back by `revo run`, which prints them (cached loads included)
          warnings: d.warnings
        })
      }))
    )
})

/** One split over all datasets: the leakage rule crosses datasets (an image in any eval split is in no train split). */
export const splitStep = (ids: ReadonlyArray<string>, spec: Spec, samples: Readonly<Record<string, OutputRef>>): TaskSpec => ({
  label: "split",
  kind: "split",
  version: DATA_STEP_VERSION,
  params: {
    seed: spec.split.seed ?? spec.seed,
    eval: spec.split.eval,
    perDataset: Object.fromEntries(ids.map((d) => [d, spec.datasets[d]!.split?.eval ?? null])),
    leakage: spec.split.leakage,
    crossfit: spec.quality.sq.crossfit
  },
  inputs: samples,
  resource: "cpu",
  run: (ctx) =>
    Effect.gen(function*() {
      const result = splitForSpec(spec, ids, (d) => ctx.inputJson<ReadonlyArray<Sample>>(d))
      const outputs: Record<string, string> = {}
      const summary: Record<string, { train: number; eval: number; moved_for_leakage: number; train_items: number; eval_items: number }> = {}
      const union: Array<Sample> = []
      // An empty side would make a cell of 0 (eval) or an untrainable model (train): stop here, naming every such dataset.
      const empty = ids.flatMap((d) => emptySplitReason(d, result.perDataset[d]!) ?? [])
      if (empty.length > 0) return yield* new TaskFailure({ message: empty.join("\n") })
      for (const d of ids) {
        const r = result.perDataset[d]!
        outputs[`train:${d}`] = canonicalJson(r.train)
        outputs[`eval:${d}`] = canonicalJson(r.eval)
        summary[d] = {
          train: r.train.length, eval: r.eval.length, moved_for_leakage: r.movedForLeakage.total,
          train_items: r.train.reduce((n: number, s: Sample) => n + itemsOf(s).length, 0),
          eval_items: r.eval.reduce((n: number, s: Sample) => n + itemsOf(s).length, 0)
        }
        union.push(...r.train.map(namespaced))
        // K-fold sets for SQ's crossfit: fold k's model trains on the other folds, answers fold k.
        const k = spec.quality.sq.crossfit
        const seed = spec.split.seed ?? spec.seed
        for (let f = 0; f < k; f++) {
          outputs[`fold-train:${d}:${f}`] = canonicalJson(r.train.filter((x: Sample) => foldOf(seed, d, x, k) !== f))
          outputs[`fold-heldout:${d}:${f}`] = canonicalJson(r.train.filter((x: Sample) => foldOf(seed, d, x, k) === f))
        }
      }
      outputs["train:union"] = canonicalJson(union)
      outputs["summary"] = canonicalJson(summary)
      return outputs
    })
})
