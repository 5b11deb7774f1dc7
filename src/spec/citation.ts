/**
 * The `citation` key of a dataset: well-known works by short key, or BibTeX entries of one's own.
 * The keys live here (the spec's vocabulary, checked by `revo validate`); their BibTeX lives with
 * the dataset card (src/hub/sources.ts), which must hold an entry for every key.
 */
import * as Schema from "effect/Schema"

export const CITATION_KEYS = [
  "llava", "llava-1.5", "aokvqa", "okvqa", "vqa-x", "vqa-v2", "pope", "coco", "coco-captions", "gqa", "laion", "cc", "sbu", "blip"
] as const
export type CitationKey = typeof CITATION_KEYS[number]

const isKey = (s: string): s is CitationKey => (CITATION_KEYS as ReadonlyArray<string>).includes(s)
/** A BibTeX entry: `@type{key, ...}` (a crude check; the Hub shows it as text). */
export const isBibtex = (s: string): boolean => /^\s*@[A-Za-z]+\s*\{\s*[^,\s]+\s*,[\s\S]*\}\s*$/u.test(s)

export const CitationEntry = Schema.String.annotate({
  description: `A well-known work (${CITATION_KEYS.join(", ")}) or a BibTeX entry (@article{key, ...}).`
}).check(Schema.makeFilter((s: string) =>
  isKey(s.trim()) || isBibtex(s) || `Expected one of ${CITATION_KEYS.join(", ")} or a BibTeX entry starting with @type{key,`
))

/** One entry or several; absent: inferred from the dataset's id, description and source path. */
export const Citation = Schema.Union([CitationEntry, Schema.Array(CitationEntry)]).annotate({
  description: "What to cite for this dataset in the published card: a well-known key, a BibTeX entry, or a list of them. Default: inferred from the dataset's id, description and source path."
})

export const citationEntries = (c: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> | undefined =>
  c === undefined ? undefined : typeof c === "string" ? [c] : c

export const asCitationKey = (s: string): CitationKey | undefined => (isKey(s.trim()) ? (s.trim() as CitationKey) : undefined)
