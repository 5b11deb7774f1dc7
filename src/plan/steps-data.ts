/**
 * Load and split tasks: the data layer behind the task contract. A load task's key hashes the
 * dataset's declaration and source bytes (computed before planning), so editing a file or a
 * mapping reruns exactly that load, and what its output reaches.
 */
import * as Effect from "effect/Effect"
import type { LoadHandoff } from "../data/handoff.ts"
import { loadDataset } from "../data/load.ts"
import { itemsOf, namespaced, type Sample } from "../data/sample.ts"
import { emptySplitReason, foldOf, splitForSpec } from "../data/split.ts"
import type { Dataset } from "../spec/dataset.ts"
import { hubFiles } from "../hub/source.ts"
import { hubOptions, type LoadedSpec } from "../spec/load.ts"
import type { Spec } from "../spec/schema.ts"
import { type LoadSummary, LoadSummarySchema, Samples, type SplitSummary, SplitSummarySchema } from "../data/outputs.ts"
import { type Output, output, type Outputs, type Step, TaskFailure } from "../runtime/task.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { implementationVersion } from "../util/import-graph.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const DATA_STEP_VERSION = implementationVersion(import.meta.url)

/** A load task's outputs: the dataset's samples and its summary. */
export interface LoadOutputs {
  readonly samples: Output<ReadonlyArray<Sample>>
  readonly summary: Output<LoadSummary>
}

/**
 * `handoff`: the data check's parse and loads (same process). The dataset it loaded from bytes of
 * the planned key is taken as is; otherwise the load reads the check's parse (or the files) and,
 * like any load, must key what it parsed to the planned key.
 */
export const loadStep = (id: string, decl: Dataset, loaded: LoadedSpec, datasetKey: string, handoff?: LoadHandoff): Step<LoadOutputs> => ({
  label: `load:${id}`,
  out: { samples: output(`load:${id}`, "samples", Samples), summary: output(`load:${id}`, "summary", LoadSummarySchema) },
  kind: "load",
  version: DATA_STEP_VERSION,
  params: { id, datasetKey, maxBadFraction: loaded.spec.split.max_bad_fraction },
  inputs: {},
  resource: "cpu",
  run: () =>
    Effect.suspend(() => {
      const handed = handoff?.take(id, datasetKey)
      return handed !== undefined ? Effect.succeed(handed)
        : loadDataset(id, decl, { dataRoot: loaded.dataRoot, maxBadFraction: loaded.spec.split.max_bad_fraction, remote: hubFiles(hubOptions(loaded)), ...handoff?.context() })
    }).pipe(
      Effect.ensuring(Effect.sync(() => handoff?.release(id))),
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
      Effect.map((d): Outputs => ({
        samples: canonicalJson(d.samples),
        summary: canonicalJson({
          samples: d.samples.length,
          items: d.samples.reduce((n, s) => n + s.turns.length, 0),
          // every bad row: the report lists them all in bad-rows.jsonl
          bad_rows: { count: d.badRows.length, rows: d.badRows },
          filtered: d.filtered,
          // read back by `revo run`, which prints them (cached loads included)
          warnings: d.warnings
        } satisfies LoadSummary)
      }))
    )
})

/** The split task's outputs, by dataset (and fold): the one place their names are spelled. */
export interface SplitOutputs {
  readonly train: (dataset: string) => Output<ReadonlyArray<Sample>>
  readonly eval: (dataset: string) => Output<ReadonlyArray<Sample>>
  /** SQ's crossfit: fold f's model trains on the other folds of the train split and answers fold f */
  readonly foldTrain: (dataset: string, fold: number) => Output<ReadonlyArray<Sample>>
  readonly foldHeldout: (dataset: string, fold: number) => Output<ReadonlyArray<Sample>>
  /** every train split, samples namespaced (`<dataset>/<id>`) */
  readonly union: Output<ReadonlyArray<Sample>>
  readonly summary: Output<SplitSummary>
}

const splitOutputs: SplitOutputs = {
  train: (d) => output("split", `train:${d}`, Samples),
  eval: (d) => output("split", `eval:${d}`, Samples),
  foldTrain: (d, f) => output("split", `fold-train:${d}:${f}`, Samples),
  foldHeldout: (d, f) => output("split", `fold-heldout:${d}:${f}`, Samples),
  union: output("split", "train:union", Samples),
  summary: output("split", "summary", SplitSummarySchema)
}

/** One split over all datasets: the leakage rule crosses datasets (an image in any eval split is in no train split). */
export const splitStep = (ids: ReadonlyArray<string>, spec: Spec, samples: Readonly<Record<string, LoadOutputs["samples"]>>): Step<SplitOutputs> => ({
  label: "split",
  out: splitOutputs,
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
      const read = new Map<string, ReadonlyArray<Sample>>()
      for (const d of ids) read.set(d, yield* ctx.read(samples[d]!))
      const result = splitForSpec(spec, ids, (d) => read.get(d)!)
      const out = splitOutputs
      const outputs: Record<string, string> = {}
      const summary: Record<string, SplitSummary[string]> = {}
      const union: Array<Sample> = []
      // An empty side would make a cell of 0 (eval) or an untrainable model (train): stop here, naming every such dataset.
      const empty = ids.flatMap((d) => emptySplitReason(d, result.perDataset[d]!) ?? [])
      if (empty.length > 0) return yield* new TaskFailure({ message: empty.join("\n") })
      for (const d of ids) {
        const r = result.perDataset[d]!
        outputs[out.train(d).output] = canonicalJson(r.train)
        outputs[out.eval(d).output] = canonicalJson(r.eval)
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
          outputs[out.foldTrain(d, f).output] = canonicalJson(r.train.filter((x: Sample) => foldOf(seed, d, x, k) !== f))
          outputs[out.foldHeldout(d, f).output] = canonicalJson(r.train.filter((x: Sample) => foldOf(seed, d, x, k) === f))
        }
      }
      outputs[out.union.output] = canonicalJson(union)
      outputs[out.summary.output] = canonicalJson(summary)
      return outputs
    })
})
