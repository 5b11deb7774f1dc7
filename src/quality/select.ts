/**
 * REVO-LION selection: the top `budget` of each dataset's train split by SQ (so no dataset crowds
 * out another), the bottom of it for the ablation, and seeded random controls stratified to the
 * same per-dataset sizes. Samples with equal SQ are ordered by a seeded hash of (dataset, id), not
 * by id: an id order is an arbitrary property of the source that would otherwise decide who is in.
 * How many samples tie at each cut-off is reported, so a reader sees when the cut is a coin toss.
 */
import { hash52 } from "../util/prng.ts"

export interface Scored {
  readonly id: string
  readonly dataset: string
  readonly sq: number
}

/** How the cut-off of one dataset fell: the SQ at the cut, how many share it, how many of those were kept. */
export interface CutTies {
  readonly cutoff_sq: number
  readonly tied: number
  readonly kept: number
}

/** A 52-bit number from sha256(seed, dataset, id): a stable, seeded order with no RNG state. */
export const seededKey = (seed: number, dataset: string, id: string): number => hash52(`${seed}\u0000${dataset}\u0000${id}`)

/**
 * seededKey of an object's (dataset, id), remembered per seed and object: the select step ranks
 * the same samples with the same seed once per budget and ablation, and a sha256 costs more than
 * the rest of a ranking. Held weakly: what the step drops is forgotten with it.
 */
const remembered = <V>(compute: (seed: number, dataset: string, id: string) => V) => {
  const bySeed = new Map<number, WeakMap<object, V>>()
  return (seed: number, s: { readonly dataset: string; readonly id: string }): V => {
    let memo = bySeed.get(seed)
    if (memo === undefined) bySeed.set(seed, memo = new WeakMap())
    let v = memo.get(s)
    if (v === undefined) memo.set(s, v = compute(seed, s.dataset, s.id))
    return v
  }
}
const seededKeyOf = remembered(seededKey)

/** SQ to 12 significant digits: SQ is a mean, and values equal but for the last bits of a sum are a tie. */
const level = (sq: number): number => Number(sq.toPrecision(12))

/** Highest SQ first; equal SQ in seeded order (then by id, which only a hash collision reaches). */
export const rankBySq = <A extends Scored>(samples: ReadonlyArray<A>, seed: number): Array<A> => {
  const keyed = samples.map((s) => ({ s, q: level(s.sq), k: seededKeyOf(seed, s) }))
  keyed.sort((a, b) => b.q - a.q || a.k - b.k || (a.s.id < b.s.id ? -1 : a.s.id > b.s.id ? 1 : 0))
  return keyed.map((x) => x.s)
}

/** How many of n to keep for a budget that is a fraction (0 < b <= 1) or, for eval sizes, a count. */
export const keepCount = (n: number, size: number): number =>
  size >= 1 && Number.isInteger(size) ? Math.min(n, size) : Math.min(n, Math.max(n > 0 ? 1 : 0, Math.round(n * size)))

/**
 * The eval samples REVO-LION's eval set draws from: those whose image is in no train split (no
 * model was tuned on it). Samples without an image id always qualify.
 */
export const evalPool = <A extends { readonly image: { readonly id?: string | undefined } }>(evalSamples: ReadonlyArray<A>, trainImages: ReadonlySet<string>): Array<A> =>
  evalSamples.filter((s) => s.image.id === undefined || !trainImages.has(s.image.id))

/** Every image id of some train split (empty ids are none). */
export const imagesOf = (splits: Iterable<ReadonlyArray<{ readonly image: { readonly id?: string | undefined } }>>): Set<string> => {
  const out = new Set<string>()
  for (const samples of splits) for (const s of samples) if (s.image.id) out.add(s.image.id)
  return out
}

/** Ties at the cut between ranked[k-1] (last kept) and ranked[k] (first left out); null when nothing is cut. */
export const tiesAtCut = (ranked: ReadonlyArray<Scored>, k: number): CutTies | null => {
  if (k <= 0 || k >= ranked.length) return null
  const cut = level(ranked[k - 1]!.sq)
  if (level(ranked[k]!.sq) !== cut) return { cutoff_sq: cut, tied: 0, kept: 0 }
  let tied = 0
  let kept = 0
  ranked.forEach((s, i) => {
    if (level(s.sq) === cut) {
      tied++
      if (i < k) kept++
    }
  })
  return { cutoff_sq: cut, tied, kept }
}

const byDataset = <A extends { readonly dataset: string }>(samples: ReadonlyArray<A>): Map<string, Array<A>> => {
  const m = new Map<string, Array<A>>()
  for (const s of samples) {
    let l = m.get(s.dataset)
    if (!l) m.set(s.dataset, (l = []))
    l.push(s)
  }
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

export interface Selection {
  readonly chosen: Array<Scored>
  /** dataset -> ties at its cut-off (absent where nothing was cut) */
  readonly ties: Record<string, CutTies>
}

/** The top (or, for the ablation, bottom) `budgetOf(d)` of each dataset by SQ. */
export const perDataset = (
  samples: ReadonlyArray<Scored>,
  budgetOf: (dataset: string) => number,
  seed: number,
  end: "top" | "bottom" = "top"
): Selection => {
  const chosen: Array<Scored> = []
  const ties: Record<string, CutTies> = {}
  for (const [d, l] of byDataset(samples)) {
    const ranked = rankBySq(l, seed)
    if (end === "bottom") ranked.reverse()
    const k = keepCount(l.length, budgetOf(d))
    chosen.push(...ranked.slice(0, k))
    const t = tiesAtCut(ranked, k)
    if (t !== null) ties[d] = t
  }
  return { chosen, ties }
}

export const topPerDataset = (samples: ReadonlyArray<Scored>, budgetOf: (dataset: string) => number, seed = 0): Array<Scored> =>
  perDataset(samples, budgetOf, seed).chosen

export const topGlobal = (samples: ReadonlyArray<Scored>, budget: number, seed = 0): Selection => {
  const ranked = rankBySq(samples, seed)
  const k = keepCount(samples.length, budget)
  const t = tiesAtCut(ranked, k)
  return { chosen: ranked.slice(0, k), ties: t === null ? {} : { "*": t } }
}

/** A seeded random subset of size k: order by seededKey of (dataset, id), the key that breaks SQ ties (stable, no RNG state). */
export const randomSubset = <A extends { readonly id: string; readonly dataset: string }>(all: ReadonlyArray<A>, k: number, seed: number): Array<A> =>
  all
    .map((a) => ({ a, h: seededKeyOf(seed, a) }))
    .sort((x, y) => (x.h < y.h ? -1 : x.h > y.h ? 1 : 0))
    .slice(0, k)
    .map((x) => x.a)

/** A random control stratified by dataset: `sizes[d]` samples drawn (seeded) from each dataset's pool. */
export const stratifiedRandom = <A extends { readonly id: string; readonly dataset: string }>(
  all: ReadonlyArray<A>,
  sizes: Readonly<Record<string, number>>,
  seed: number
): Array<A> => {
  const out: Array<A> = []
  for (const [d, l] of byDataset(all)) out.push(...randomSubset(l, Math.min(l.length, sizes[d] ?? 0), seed))
  return out
}
