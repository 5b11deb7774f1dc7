/**
 * sha256Head (the split's hash) is node:crypto's sha256, word for word: on ids as datasets have
 * them, on every length around the block boundaries (55/56/64 bytes), on non-ASCII and lone
 * surrogates (both encode them as UTF-8 the same way), and on long texts; and splitHash keeps the
 * formula it had over crypto.hash, so no split moves.
 */
import assert from "node:assert/strict"
import { hash } from "node:crypto"
import { describe, it } from "node:test"
import { splitHash } from "../../src/data/split.ts"
import { sha256Head } from "../../src/util/sha256-head.ts"

const viaCrypto = (text: string): [number, number] => {
  const h = hash("sha256", text, "buffer")
  return [h.readUInt32BE(0), h.readUInt32BE(4)]
}

const out = new Uint32Array(2)
const viaHead = (text: string): [number, number] => {
  sha256Head(text, out)
  return [out[0]!, out[1]!]
}

/** A seeded generator (mulberry32), so a failure names a reproducible text. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
}

describe("sha256Head", () => {
  it("equals node:crypto's sha256 on every length 0..300 and on ids, non-ASCII, lone surrogates and long texts", () => {
    const texts: Array<string> = ["", "abc", "42\u0000pope-coco\u0000371", "7\u0000\u0000image\u0000coco:000000391895"]
    for (let n = 0; n <= 300; n++) texts.push("x".repeat(n))
    // multi-byte characters across the block boundaries
    for (let n = 0; n <= 70; n++) texts.push("é".repeat(n), "€".repeat(n), "😀".repeat(n), `${"a".repeat(n)}\ud800`, `\udc00${"b".repeat(n)}`)
    texts.push("long ".repeat(10_000))
    const r = rng(14)
    const alphabet = ["a", "Z", "0", "-", "_", " ", "\u0000", "é", "ß", "中", "😀", "\ud83d", "\n"]
    for (let k = 0; k < 5000; k++) {
      let s = ""
      const len = Math.floor(r() * 90)
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(r() * alphabet.length)]!
      texts.push(s)
    }
    for (const t of texts) assert.deepEqual(viaHead(t), viaCrypto(t), JSON.stringify(t.slice(0, 80)))
  })

  it("splitHash is u from the first 52 bits of sha256(seed, dataset, id), as it was over crypto.hash", () => {
    for (const [seed, dataset, id] of [[42, "pope-coco", "3"], [7, "\u0000image", "coco:000000391895"], [0, "gqa-testdev-balanced", "20968379"], [42, "vqa-x", "262148000"]] as const) {
      const h = hash("sha256", `${seed}\u0000${dataset}\u0000${id}`, "buffer")
      assert.equal(splitHash(seed, dataset, id), (h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12)) / 2 ** 52)
    }
  })
})
