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
