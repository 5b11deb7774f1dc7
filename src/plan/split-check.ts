/**
 * What the split step, its crossfit folds and the select step's REVO-LION eval set will hold,
 * computed before any task from the data check's loads with the steps' own functions
 * (splitForSpec, foldOf, evalPool, keepCount): a side that would be empty is a located spec
 * problem at `revo validate`, `revo plan` and `revo run`, never a late task failure or a cell of 0.
 * It reads no data file: the samples come from the data check's own parse. The verdict is kept
 * in revo's cache under a key of everything it depends on (the datasets' content keys, the spec
 * values the steps read, this code's version), so an unchanged spec is not loaded again.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type { DataCheck, DataProblem } from "../data/check.ts"
import { emptySplitReason, foldOf, splitForSpec, type SplitSample } from "../data/split.ts"
import { evalPool, imagesOf, keepCount } from "../quality/select.ts"
import type { Spec } from "../spec/schema.ts"
import { revoCacheDir } from "../util/cache-dir.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { sha256, writeFileAtomic } from "../util/fs.ts"
import { implementationVersion } from "../util/import-graph.ts"

export interface SplitCheck {
  readonly problems: Array<DataProblem>
  /** Train and eval sizes per dataset, as the split step will produce them; null when not every dataset was loaded. */
  readonly sizes: Record<string, { readonly train: number; readonly eval: number }> | null
}

/**
 * The split of every dataset, sized. The leakage rule crosses datasets, so the split is sized
 * only when every dataset loaded (one left to its load task, over the size cap or not downloaded,
 * leaves the check to the split task itself).
 */
export const checkSplits = (spec: Spec, samples: Readonly<Record<string, ReadonlyArray<SplitSample>>>): SplitCheck => {
  const ids = Object.keys(spec.datasets).sort()
  if (ids.some((d) => samples[d] === undefined)) return { problems: [], sizes: null }
  const result = splitForSpec(spec, ids, (d) => samples[d]!)
  const sizes = Object.fromEntries(ids.map((d) => [d, { train: result.perDataset[d]!.train.length, eval: result.perDataset[d]!.eval.length }]))
  const problems: Array<DataProblem> = []
  for (const d of ids) {
    const reason = emptySplitReason(d, result.perDataset[d]!)
    if (reason === null) continue
    // at the eval size that decided it: the dataset's own, else split.eval (or the dataset, when the file leaves split.eval to its default or a --set)
    problems.push(spec.datasets[d]!.split?.eval !== undefined
      ? { path: ["datasets", d, "split", "eval"], message: reason }
      : { path: ["split", "eval"], message: reason, orElse: ["datasets", d] })
  }
  if (problems.length > 0) return { problems, sizes }

  // Crossfit: a fold model trains on the other folds; all of a dataset's train images in one fold leave it nothing.
  const k = spec.quality.sq.crossfit
  for (const d of k >= 2 ? ids : []) {
    const train = result.perDataset[d]!.train
    const perFold = new Array<number>(k).fill(0)
    for (const s of train) perFold[foldOf(spec.split.seed ?? spec.seed, d, s, k)]!++
    const full = perFold.findIndex((n) => n === train.length)
    if (full >= 0) {
      problems.push({
        path: ["quality", "sq", "crossfit"],
        message: `dataset ${d}: crossfit fold ${full} holds all ${train.length} train samples (folds are grouped by image), so its fold model would train on nothing; ` +
          `use fewer folds, quality.sq.crossfit: 0, or a larger train split`
      })
    }
  }

  // REVO-LION's eval set draws only eval samples whose image is in no train split.
  const trainImages = imagesOf(ids.map((d) => result.perDataset[d]!.train))
  const evalTotal = ids.reduce((n, d) => n + result.perDataset[d]!.eval.length, 0)
  const chosen = ids.reduce((n, d) => n + keepCount(evalPool(result.perDataset[d]!.eval, trainImages).length, spec.select.eval_size), 0)
  if (chosen === 0) {
    problems.push({
      path: ["split", "leakage"],
      message: `the REVO-LION eval set would be empty: the image of each of the ${evalTotal} eval samples is also in a train split, and that set keeps only eval ` +
        `samples whose image no model was tuned on; use split.leakage: image (it moves each shared image to one side)`
    })
  }
  return { problems, sizes }
}

/**
 * The split problems of a checked spec (none when some dataset was not checked: over the size
 * cap, not downloaded, or with problems of its own), loading the datasets only on a cache miss.
 */
export const splitProblems = (spec: Spec, checked: DataCheck): Effect.Effect<Array<DataProblem>> =>
  Effect.gen(function*() {
    const ids = Object.keys(spec.datasets).sort()
    if (ids.some((d) => checked.keys[d] === undefined)) return []
    const key = sha256(canonicalJson({
      // this module's code and the loader's (through the data check, which imports it)
      version: [implementationVersion(import.meta.url), implementationVersion(new URL("../data/check.ts", import.meta.url).href)],
      datasets: checked.keys,
      eval: Object.fromEntries(ids.map((d) => [d, spec.datasets[d]!.split?.eval ?? null])),
      split: spec.split,
      seed: spec.seed,
      crossfit: spec.quality.sq.crossfit,
      eval_size: spec.select.eval_size
    }))
    const file = join(revoCacheDir(), "split-check", `${key}.json`)
    const cached = readCached(file)
    if (cached !== undefined) return cached
    const loaded = yield* checked.loadSamples()
    const problems = loaded.problems.length > 0 ? loaded.problems : checkSplits(spec, loaded.samples).problems
    try {
      writeFileAtomic(file, canonicalJson({ problems }))
    } catch {
      // a read-only cache folder only costs speed
    }
    return problems
  })

const readCached = (file: string): Array<DataProblem> | undefined => {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as { problems?: unknown }
    return Array.isArray(v.problems) ? (v.problems as Array<DataProblem>) : undefined
  } catch {
    return undefined // absent or damaged: computed again
  }
}
