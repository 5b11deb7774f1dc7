/**
 * The COCO caption format (`images`, `annotations: [{image_id, caption}]`): one record per image
 * with all its captions, in the order of `images`. Each image becomes one sample whose
 * references are its captions.
 */
import type { BadRow } from "./errors.ts"
import type { RawRecord } from "./read.ts"

export interface CocoRecords {
  /** `{...image, captions: string[]}` with the image's index in `images` */
  readonly records: ReadonlyArray<RawRecord>
  readonly bad: ReadonlyArray<Omit<BadRow, "file">>
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v)

/** The document's images with their captions; a string is why the document is not COCO captions. */
export const cocoCaptionRecords = (doc: unknown): CocoRecords | string => {
  // The data check and the load read the same parsed document: group its captions once.
  if (!isObject(doc)) return cocoUncached(doc)
  let r = grouped.get(doc)
  if (r === undefined) grouped.set(doc, (r = cocoUncached(doc)))
  return r
}

const grouped = new WeakMap<object, CocoRecords | string>()

const cocoUncached = (doc: unknown): CocoRecords | string => {
  if (!isObject(doc)) return "expected a COCO caption document (an object with images and annotations)"
  const images = doc["images"]
  const annotations = doc["annotations"]
  if (!Array.isArray(images)) return "expected a COCO caption document: `images` is missing or not a list"
  if (!Array.isArray(annotations)) return "expected a COCO caption document: `annotations` is missing or not a list"
  const bad: Array<Omit<BadRow, "file">> = []
  const captions = new Map<string, Array<string>>()
  const known = new Set<string>()
  const imageKey = (v: unknown) => (typeof v === "number" || typeof v === "string" ? String(v) : undefined)
  images.forEach((img, index) => {
    const k = isObject(img) ? imageKey(img["id"]) : undefined
    if (k === undefined) bad.push({ index, records: "images", reason: `missing field id` })
    else if (known.has(k)) bad.push({ index, records: "images", reason: `duplicate image id ${k}` })
    else known.add(k)
  })
  annotations.forEach((a, index) => {
    if (!isObject(a)) return bad.push({ index, records: "annotations", reason: `wrong type: not an object` })
    const k = imageKey(a["image_id"])
    if (k === undefined) return bad.push({ index, records: "annotations", reason: `missing field image_id` })
    if (!known.has(k)) return bad.push({ index, records: "annotations", reason: `image_id ${k} is not in images` })
    const c = a["caption"]
    if (typeof c !== "string") return bad.push({ index, records: "annotations", reason: `${c === undefined ? "missing field caption" : "wrong type: caption is not a text"}` })
    if (c.trim() === "") return bad.push({ index, records: "annotations", reason: `empty response (empty caption)` })
    const list = captions.get(k)
    if (list === undefined) captions.set(k, [c])
    else list.push(c)
    return undefined
  })
  const records: Array<RawRecord> = []
  const seen = new Set<string>()
  images.forEach((img, index) => {
    if (!isObject(img)) return
    const k = imageKey(img["id"])
    if (k === undefined || seen.has(k)) return
    seen.add(k)
    records.push({ value: { ...img, captions: captions.get(k) ?? [] }, index })
  })
  return { records, bad }
}
