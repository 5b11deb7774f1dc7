/**
 * Canonical image ids, so the leakage rule sees one image across datasets.
 *
 * COCO ids (the same in 2014 and 2017) become their integer as a string whatever the source
 * wrote: 262284, "000000262284", "COCO_val2014_000000262284.jpg", "val2014/COCO_val2014_000000262284.jpg".
 * Every other image keeps its value, prefixed with a namespace ("gqa:n518912.jpg"): a colon never
 * occurs in a COCO id, so ids of different namespaces cannot collide with COCO ids or each other.
 */

/** The COCO id in a value, or undefined when it holds none. */
export const cocoImageId = (value: unknown): string | undefined => {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined
  if (typeof value !== "string") return undefined
  const s = value.trim()
  if (/^[0-9]+$/u.test(s)) return String(Number(s))
  const base = s.slice(s.lastIndexOf("/") + 1)
  const stem = base.includes(".") ? base.slice(0, base.lastIndexOf(".")) : base
  const m = /^(?:COCO_[a-z]+[0-9]{4}_)?([0-9]+)$/u.exec(stem)
  return m ? String(Number(m[1])) : undefined
}

/** `coco`, or a namespace for ids that are not COCO's. */
export type ImageIdScheme = string

/** The canonical id of an image value under a scheme, or undefined when a COCO id was expected and is absent. */
export const imageIdOf = (value: unknown, scheme: ImageIdScheme): string | undefined => {
  if (scheme === "coco") return cocoImageId(value)
  if (typeof value === "string" && value.trim() !== "") return `${scheme}:${value.trim()}`
  if (typeof value === "number" && Number.isFinite(value)) return `${scheme}:${value}`
  return undefined
}
