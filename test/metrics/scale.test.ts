// CIDEr-D's compact corpus store (interned n-grams, per-caption vectors) against a direct,
// dict-for-dict transcription of pycocoevalcap's CiderScorer: on the 5,000 real COCO val2017
// items (the fixtures are too small to exercise hash-table growth and id reuse), and on a
// seeded corpus of long, repetitive and empty captions (long ones take the Map lookups).
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { it } from "node:test"
import { CiderCorpus } from "../../src/metrics/cider.ts"
import { tokenize } from "../../src/metrics/tokenizer.ts"

/** pycocoevalcap CiderScorer (n=4, sigma=6), transcribed with Maps for its dicts. */
function toolkitCider(items: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>): Array<number> {
  const precook = (w: ReadonlyArray<string>): Map<string, number> => {
    const c = new Map<string, number>()
    for (let k = 1; k <= 4; k++) for (let i = 0; i + k <= w.length; i++) {
      const g = w.slice(i, i + k).join(" ")
      c.set(g, (c.get(g) ?? 0) + 1)
    }
    return c
  }
  const crefs = items.map((caps) => caps.slice(1).map(precook))
  const df = new Map<string, number>()
  for (const refs of crefs) for (const g of new Set(refs.flatMap((r) => [...r.keys()]))) df.set(g, (df.get(g) ?? 0) + 1)
  const refLen = Math.log(items.length)
  const vec = (cnts: Map<string, number>) => {
    const v = [0, 1, 2, 3].map(() => new Map<string, number>())
    const norm = [0, 0, 0, 0]
    let length = 0
    for (const [g, tf] of cnts) {
      const n = g.split(" ").length - 1
      const x = tf * (refLen - Math.log(Math.max(1, df.get(g) ?? 0)))
      ;(v[n] as Map<string, number>).set(g, x)
      norm[n] = (norm[n] as number) + x ** 2
      if (n === 1) length += tf
    }
    return { v, norm: norm.map(Math.sqrt), length }
  }
  return items.map((caps, i) => {
    const h = vec(precook(caps[0] as ReadonlyArray<string>))
    const score = [0, 0, 0, 0]
    for (const r of crefs[i] as Array<Map<string, number>>) {
      const rv = vec(r)
      for (let n = 0; n < 4; n++) {
        let val = 0
        for (const [g, vh] of h.v[n] as Map<string, number>) {
          const vr = (rv.v[n] as Map<string, number>).get(g) ?? 0
          val += Math.min(vh, vr) * vr
        }
        if (h.norm[n] !== 0 && rv.norm[n] !== 0) val /= (h.norm[n] as number) * (rv.norm[n] as number)
        val *= Math.E ** (-((h.length - rv.length) ** 2) / 72)
        score[n] = (score[n] as number) + val
      }
    }
    return ((score[0]! + score[1]! + score[2]! + score[3]!) / 4 / (caps.length - 1)) * 10
  })
}

function check(items: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>): void {
  const cider = new CiderCorpus()
  for (const caps of items) cider.add(caps[0] as ReadonlyArray<string>, caps.slice(1))
  const got = cider.scores()
  const want = toolkitCider(items)
  assert.equal(got.length, items.length)
  want.forEach((w, i) => {
    assert.ok(Math.abs((got[i] as number) - w) <= 1e-12 * Math.max(1e-300, Math.abs(w)), `item ${i}: ${got[i]} vs ${w}`)
  })
}

it("CIDEr-D on 5,000 COCO items equals a direct transcription of the toolkit", () => {
  const coco = JSON.parse(readFileSync(new URL("../../../shared/data/coco-captions-val2017/captions_val2017.json", import.meta.url), "utf8"))
  const byImage = new Map<number, Array<string>>()
  for (const a of coco.annotations) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a.caption])
  const split = (s: string): Array<string> => (s === "" ? [] : s.split(" "))
  check(coco.images.map((im: { id: number }) => (byImage.get(im.id) as Array<string>).slice(0, 5).map((c) => split(tokenize(c)))))
})

it("CIDEr-D on long, repetitive and empty captions equals the transcription", () => {
  let seed = 20240607
  const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n)
  const words = ["a", "dog", "on", "the", "grass", "with", "red", "ball"]
  const caption = (): Array<string> =>
    Array.from({ length: rand(4) === 0 ? rand(150) : rand(14) }, () => words[rand(rand(2) === 0 ? 3 : words.length)] as string)
  check(Array.from({ length: 400 }, () => Array.from({ length: 2 + rand(5) }, caption)))
})
