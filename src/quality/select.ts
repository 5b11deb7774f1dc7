/**
 * REVO-LION selection: the top `budget` of each dataset's train split by SQ (so no dataset
 * crowds out another), an eval set drawn from the eval splits by SQ, and a seeded random
 * control of the same size. Ties are broken by sample id, so the choice is deterministic.
 */
import { createHash } from "node:crypto"

export interface Scored {
  readonly id: string
  readonly dataset: string
  readonly sq: number
}

const bySqThenId = (a: Scored, b: Scored) => b.sq - a.sq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** How many of n to keep for a budget that is a fraction (0 < b <= 1) or, for eval sizes, a count. */
export const keepCount = (n: number, size: number): number =>
  size >= 1 && Number.isInteger(size) ? Math.min(n, size) : Math.min(n, Math.max(n > 0 ? 1 : 0, Math.round(n * size)))

export const topPerDataset = (
  samples: ReadonlyArray<Scored>,
  budgetOf: (dataset: string) => number
): Array<Scored> => {
  const byDataset = new Map<string, Array<Scored>>()
  for (const s of samples) {
    let l = byDataset.get(s.dataset)
    if (!l) byDataset.set(s.dataset, (l = []))
    l.push(s)
  }
  const out: Array<Scored> = []
  for (const d of [...byDataset.keys()].sort()) {
    const l = byDataset.get(d)!.slice().sort(bySqThenId)
    out.push(...l.slice(0, keepCount(l.length, budgetOf(d))))
  }
  return out
}

/** Highest SQ first; equal SQ by id. */
export const rankBySq = <A extends Scored>(samples: ReadonlyArray<A>): Array<A> => samples.slice().sort(bySqThenId)

export const topGlobal = (samples: ReadonlyArray<Scored>, budget: number): Array<Scored> =>
  rankBySq(samples).slice(0, keepCount(samples.length, budget))

/** A seeded random subset of size k: order by a keyed hash of the id (stable, no RNG state). */
export const randomSubset = <A extends { readonly id: string; readonly dataset: string }>(all: ReadonlyArray<A>, k: number, seed: number): Array<A> =>
  all
    .map((a) => ({ a, h: createHash("sha256").update(`${seed}\u0000${a.dataset}\u0000${a.id}`).digest("hex") }))
    .sort((x, y) => (x.h < y.h ? -1 : x.h > y.h ? 1 : 0))
    .slice(0, k)
    .map((x) => x.a)
