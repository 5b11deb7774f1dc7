import { mulberry32 } from "../../src/util/prng.ts"

/** A seeded shuffle (mulberry32 + Fisher-Yates), so an order-dependence failure reproduces. */
export const shuffled = <A>(xs: ReadonlyArray<A>, seed: number): Array<A> => {
  const rand = mulberry32(seed)
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j] as A, out[i] as A]
  }
  return out
}
