/**
 * Train/eval splits with the leakage rule (DESIGN.md sections 1 and 3).
 *
 * 1. Per dataset, from a hash of (seed, dataset id, sample id) mapped to u in [0, 1):
 *    - eval as a fraction f: a sample is in eval iff u < f. Adding or removing other samples
 *      never moves a sample.
 *    - eval as a count n: the n samples with the smallest u. Adding samples can only push a
 *      sample from eval to train (when a newcomer hashes lower), never the other way.
 * 2. Leakage (`leakage: image`): an image id that is in some eval split and in some train split
 *    (of any dataset, the same one included) is a conflict. Every sample of a conflicting image,
 *    in every dataset, moves to one side, chosen per image so eval sizes stay near their targets:
 *    images are visited in the order of a seeded hash of their id, and each goes to the side that
 *    gives the smaller sum over the datasets it touches of (eval - target)^2 / target (a tie goes
 *    to train). Samples are moved, never copied; afterwards no eval image is in any train split.
 */
import type { Spec } from "../spec/schema.ts"
import { hash52 } from "../util/prng.ts"
import type { Sample } from "./sample.ts"

export interface SplitConfig {
  /** Eval size per dataset: a count (integer >= 1) or a fraction in (0, 1). */
  readonly eval: number
  readonly leakage: "image" | "none"
}

/** What the split reads of a sample: its id and its image id. */
export type SplitSample = Pick<Sample, "id" | "image">

export interface SplitInput<S extends SplitSample = Sample> {
  readonly id: string
  readonly samples: ReadonlyArray<S>
  /** Overrides `SplitConfig.eval` for this dataset (`datasets.<id>.split.eval`). */
  readonly eval?: number | undefined
}

export interface Moves {
  readonly toEval: number
  readonly toTrain: number
}

export interface DatasetSplit<S extends SplitSample = Sample> {
  /** In source order. */
  readonly train: ReadonlyArray<S>
  readonly eval: ReadonlyArray<S>
  /** The eval size step 1 chose (the target the leakage step steers towards). */
  readonly target: number
  /** Samples of this dataset moved by the leakage rule. */
  readonly movedForLeakage: Moves & { readonly total: number }
}

export interface SplitResult<S extends SplitSample = Sample> {
  readonly perDataset: Readonly<Record<string, DatasetSplit<S>>>
  /** Image ids that were on both sides before the leakage rule. */
  readonly conflictingImages: number
}

/** u in [0, 1) from the first 52 bits of sha256(seed, dataset, sample id). */
export const splitHash = (seed: number, dataset: string, sampleId: string): number =>
  hash52(`${seed}\u0000${dataset}\u0000${sampleId}`) / 2 ** 52

/** Step 1 for one dataset: for each sample (in order), whether it is in eval. */
export const initialEval = (seed: number, dataset: string, samples: ReadonlyArray<SplitSample>, evalSize: number): Array<boolean> => {
  const u = samples.map((s) => splitHash(seed, dataset, s.id))
  if (Number.isInteger(evalSize) && evalSize >= 1) {
    const n = Math.min(evalSize, samples.length)
    const order = u.map((_, i) => i).sort((a, b) => u[a]! - u[b]! || (samples[a]!.id < samples[b]!.id ? -1 : 1))
    const inEval = new Array<boolean>(samples.length).fill(false)
    for (let k = 0; k < n; k++) inEval[order[k]!] = true
    return inEval
  }
  return u.map((x) => x < evalSize)
}

interface ImageSide { readonly dataset: number; readonly sample: number }

export const splitAll = <S extends SplitSample>(datasets: ReadonlyArray<SplitInput<S>>, config: SplitConfig, seed: number): SplitResult<S> => {
  const ds = [...datasets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const inEval = ds.map((d) => initialEval(seed, d.id, d.samples, d.eval ?? config.eval))
  const target = inEval.map((e) => e.filter(Boolean).length)
  const evalCount = target.slice()
  const toEval = ds.map(() => 0)
  const toTrain = ds.map(() => 0)
  let conflicting = 0

  if (config.leakage === "image") {
    const byImage = new Map<string, Array<ImageSide>>()
    ds.forEach((d, di) => d.samples.forEach((s, si) => {
      const img = s.image.id
      if (img === undefined) return
      const list = byImage.get(img)
      if (list === undefined) byImage.set(img, [{ dataset: di, sample: si }])
      else list.push({ dataset: di, sample: si })
    }))
    const conflicts: Array<{ image: string; order: number; sides: Array<ImageSide> }> = []
    for (const [image, sides] of byImage) {
      let e = 0
      for (const x of sides) if (inEval[x.dataset]![x.sample]) e++
      if (e > 0 && e < sides.length) conflicts.push({ image, order: splitHash(seed, "\u0000image", image), sides })
    }
    conflicting = conflicts.length
    conflicts.sort((a, b) => a.order - b.order || (a.image < b.image ? -1 : 1))
    const cost = (di: number, count: number) => (count - target[di]!) ** 2 / Math.max(1, target[di]!)
    for (const c of conflicts) {
      // per dataset: how eval changes if the image goes to eval (+train samples) or to train (-eval samples)
      const delta = new Map<number, { up: number; down: number }>()
      for (const x of c.sides) {
        const d = delta.get(x.dataset) ?? { up: 0, down: 0 }
        if (inEval[x.dataset]![x.sample]) d.down++
        else d.up++
        delta.set(x.dataset, d)
      }
      let costEval = 0
      let costTrain = 0
      for (const [di, d] of delta) {
        costEval += cost(di, evalCount[di]! + d.up)
        costTrain += cost(di, evalCount[di]! - d.down)
      }
      const goEval = costEval < costTrain
      for (const x of c.sides) {
        const was = inEval[x.dataset]![x.sample]
        if (was === goEval) continue
        inEval[x.dataset]![x.sample] = goEval
        if (goEval) {
          toEval[x.dataset]!++
          evalCount[x.dataset]!++
        } else {
          toTrain[x.dataset]!++
          evalCount[x.dataset]!--
        }
      }
    }
  }

  const perDataset: Record<string, DatasetSplit<S>> = {}
  ds.forEach((d, di) => {
    const train: Array<S> = []
    const ev: Array<S> = []
    d.samples.forEach((s, si) => (inEval[di]![si] ? ev : train).push(s))
    perDataset[d.id] = {
      train, eval: ev, target: target[di]!,
      movedForLeakage: { toEval: toEval[di]!, toTrain: toTrain[di]!, total: toEval[di]! + toTrain[di]! }
    }
  })
  return { perDataset, conflictingImages: conflicting }
}

/** Image ids that are in some eval split and in some train split (empty after `splitAll` with leakage: image). */
export const leakedImages = (result: SplitResult<SplitSample>): Array<string> => {
  const evalImages = new Set<string>()
  const trainImages = new Set<string>()
  for (const d of Object.values(result.perDataset)) {
    for (const s of d.eval) if (s.image.id !== undefined) evalImages.add(s.image.id)
    for (const s of d.train) if (s.image.id !== undefined) trainImages.add(s.image.id)
  }
  return [...evalImages].filter((i) => trainImages.has(i)).sort()
}

/** Why a dataset's split cannot be used (an empty side), or null. */
export const emptySplitReason = (id: string, split: DatasetSplit<SplitSample>): string | null => {
  const moved = (n: number, to: string) => (n > 0 ? `; the leakage rule (split.leakage: image) moved ${n} sample${n === 1 ? "" : "s"} to ${to} because their image is on the other side` : "")
  if (split.eval.length === 0) {
    return `dataset ${id}: the eval split is empty (target ${split.target} of ${split.train.length + split.eval.length} samples${moved(split.movedForLeakage.toTrain, "train")}); ` +
      `raise split.eval or datasets.${id}.split.eval`
  }
  if (split.train.length === 0) {
    return `dataset ${id}: the train split is empty (${split.eval.length} samples all in eval${moved(split.movedForLeakage.toEval, "eval")}); lower split.eval or datasets.${id}.split.eval`
  }
  return null
}

/**
 * The split a spec asks for, over its datasets' samples: the one call of the split step and of
 * the check before any task (so the sizes validate reports are the ones the run will have).
 */
export const splitForSpec = <S extends SplitSample>(
  spec: Pick<Spec, "split" | "seed" | "datasets">,
  ids: ReadonlyArray<string>,
  samplesOf: (dataset: string) => ReadonlyArray<S>
): SplitResult<S> =>
  splitAll(
    ids.map((d) => ({ id: d, samples: samplesOf(d), eval: spec.datasets[d]!.split?.eval })),
    { eval: spec.split.eval, leakage: spec.split.leakage },
    spec.split.seed ?? spec.seed
  )

/**
 * Fold k of K for a train sample, grouped by image: every sample of an image falls in the same
 * fold, so a fold model never saw the image of a sample it scores (scoring by sample id put 100%
 * of POPE's and GQA's held-out images in the fold's training part). Samples without an image id
 * are their own group. Seeded by dataset and group, like the split itself.
 */
export const foldOf = (seed: number, dataset: string, sample: SplitSample, k: number): number =>
  Math.min(k - 1, Math.floor(splitHash(seed + 1, dataset, sample.image.id !== undefined ? `image\u0000${sample.image.id}` : sample.id) * k))
