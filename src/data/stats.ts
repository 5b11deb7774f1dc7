/** What a loaded dataset holds, for `revo inspect` and the report. */
import { itemsOf, type Item } from "./sample.ts"
import type { LoadedDataset } from "./load.ts"

export interface DatasetStats {
  readonly samples: number
  readonly items: number
  readonly referencesPerItem: { readonly min: number; readonly mean: number; readonly max: number }
  /** Distinct image ids. */
  readonly images: number
  /** Samples without an image id (text-only, or no image field declared). */
  readonly withoutImage: number
  readonly withContext: number
  readonly badRows: number
}

export const describeDataset = (d: LoadedDataset): DatasetStats => {
  let items = 0
  let refs = 0
  let min = Infinity
  let max = 0
  let withoutImage = 0
  let withContext = 0
  const images = new Set<string>()
  for (const s of d.samples) {
    if (s.image.id === undefined) withoutImage++
    else images.add(s.image.id)
    if (s.context !== undefined) withContext++
    for (const t of s.turns) {
      items++
      refs += t.references.length
      if (t.references.length < min) min = t.references.length
      if (t.references.length > max) max = t.references.length
    }
  }
  return {
    samples: d.samples.length,
    items,
    referencesPerItem: { min: items === 0 ? 0 : min, mean: items === 0 ? 0 : refs / items, max },
    images: images.size,
    withoutImage,
    withContext,
    badRows: d.badRows.length
  }
}

/** `n` eval items spread over the dataset (the first item of evenly spaced samples; deterministic). */
export const exampleItems = (d: LoadedDataset, n: number): Array<Item> => {
  const out: Array<Item> = []
  const count = Math.min(n, d.samples.length)
  for (let k = 0; k < count; k++) {
    const s = d.samples[Math.floor((k * d.samples.length) / count)]!
    const items = itemsOf(s)
    // a later turn shows the history a multi-turn item carries
    out.push(items[Math.min(k, items.length - 1)]!)
  }
  return out
}
