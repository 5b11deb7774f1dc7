import { hash } from "node:crypto"

/**
 * mulberry32: a small, fast, well-mixed 32-bit generator with a 32-bit seed, enough for
 * resampling indices, seeded shuffles and kill points. One definition for the product, its
 * tests and its benches, so a seed means the same sequence everywhere. Not for secrets.
 */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The first 52 bits of sha256(text) as an integer (exact in a double): a stable, seeded order
 * with no generator state. The split and the select step both order samples by it.
 */
export const hash52 = (text: string): number => {
  const h = hash("sha256", text, "buffer")
  return h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12)
}
