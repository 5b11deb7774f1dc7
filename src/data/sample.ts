/**
 * The one record type every adapter produces (DESIGN.md section 3), and the eval item derived from it.
 * Plain readonly types: samples flow through hot paths (indexing, scoring) by the ten thousand.
 */

/** Where a sample came from, so a bad or surprising row can be traced back to its file. */
export interface Origin {
  readonly file: string
  /** 1-based line for line-oriented formats (jsonl, csv) */
  readonly line?: number
  /** 0-based index for array formats (json) */
  readonly index?: number
}

export interface ImageRef {
  /** Canonical image id; COCO ids are normalised to their integer form as a string ("391895"). */
  readonly id?: string
  /** The file name or path as given in the source. */
  readonly path?: string
}

export interface Turn {
  readonly instruction: string
  /** One or more reference responses (COCO's 5 captions, VQA's answers, or the single response). */
  readonly references: ReadonlyArray<string>
}

export interface Sample {
  /** Unique within its dataset. */
  readonly id: string
  readonly dataset: string
  readonly image: ImageRef
  /** Text that stands in for the image where a backend cannot see pixels (e.g. COCO captions). */
  readonly context?: string
  readonly turns: ReadonlyArray<Turn>
  readonly task?: string
  readonly license?: string
  readonly origin: Origin
}

/**
 * One eval item: a (sample, turn). The model sees the image/context, the earlier turns as given
 * in the data (instruction + first reference), and the instruction; it is scored on the references.
 */
export interface Item {
  /** `${sampleId}#${turnIndex}` */
  readonly id: string
  readonly sampleId: string
  readonly dataset: string
  readonly turn: number
  readonly image: ImageRef
  readonly context?: string
  readonly history: ReadonlyArray<{ readonly instruction: string; readonly response: string }>
  readonly instruction: string
  readonly references: ReadonlyArray<string>
}

export const itemId = (sampleId: string, turn: number): string => `${sampleId}#${turn}`

/** Expand a sample into its eval items, one per turn. */
export const itemsOf = (s: Sample): Array<Item> => {
  const out: Array<Item> = []
  const history: Array<{ instruction: string; response: string }> = []
  s.turns.forEach((t, i) => {
    out.push({
      id: itemId(s.id, i),
      sampleId: s.id,
      dataset: s.dataset,
      turn: i,
      image: s.image,
      ...(s.context !== undefined ? { context: s.context } : {}),
      history: history.slice(),
      instruction: t.instruction,
      references: t.references
    })
    history.push({ instruction: t.instruction, response: t.references[0] ?? "" })
  })
  return out
}

/** A sample of a mixed set (union, REVO-LION) re-id'd as `<dataset>/<id>`, so ids stay unique across datasets. */
export const namespaced = (s: Sample): Sample => ({ ...s, id: `${s.dataset}/${s.id}` })

/** The id a sample has in its own dataset, whether or not it was namespaced. */
export const sourceId = (s: Sample): string => (s.id.startsWith(`${s.dataset}/`) ? s.id.slice(s.dataset.length + 1) : s.id)
