// BLEU as the COCO caption toolkit (pycocoevalcap BleuScorer, option "closest") computes it,
// and NLTK's sentence_bleu / corpus_bleu (smoothing none or method1) as an option.
// Inputs are token arrays (the tokenized caption split on whitespace).

export const BLEU_MAX_N = 4

/** Clipped n-gram statistics of one candidate against its references (orders 1..4). */
export interface BleuStats {
  readonly testlen: number
  readonly refLens: ReadonlyArray<number>
  /** Reference length closest to testlen; ties go to the shorter (COCO and NLTK agree). */
  readonly reflen: number
  /** Candidate n-gram counts per order (COCO's "guess"). */
  readonly guess: ReadonlyArray<number>
  /** Clipped matches per order (COCO's "correct", NLTK's numerator). */
  readonly correct: ReadonlyArray<number>
}

const MAX_EXACT = 2 ** 52

function keyedNgrams(tokens: ReadonlyArray<number>, base: number, each: (key: number, order: number) => void): void {
  for (let i = 0; i < tokens.length; i++) {
    let key = 0
    for (let k = 0; k < BLEU_MAX_N && i + k < tokens.length; k++) {
      key = key * base + (tokens[i + k] as number)
      each(key, k)
    }
  }
}

/** Statistics of token arrays (strings); see bleuStatsIds. */
export function bleuStats(candidate: ReadonlyArray<string>, references: ReadonlyArray<ReadonlyArray<string>>): BleuStats {
  const vocab = new Map<string, number>()
  const ids = (toks: ReadonlyArray<string>): Array<number> =>
    toks.map((w) => {
      let id = vocab.get(w)
      if (id === undefined) vocab.set(w, (id = vocab.size + 1))
      return id
    })
  return bleuStatsIds(ids(candidate), references.map(ids))
}

/** Clipped n-gram statistics of a candidate against its references, all as word ids. */
export function bleuStatsIds(candidate: ReadonlyArray<number>, references: ReadonlyArray<ReadonlyArray<number>>): BleuStats {
  const testlen = candidate.length
  const refLens = references.map((r) => r.length)
  let reflen = 0
  let best = Infinity
  for (const l of refLens) {
    const d = Math.abs(l - testlen)
    if (d < best || (d === best && l < reflen)) {
      best = d
      reflen = l
    }
  }
  let longest = testlen
  for (const l of refLens) if (l > longest) longest = l
  const correct = longest <= DIRECT_MAX ? directCorrect(candidate, references) : keyedCorrect(candidate, references)
  const guess = [0, 1, 2, 3].map((k) => Math.max(0, testlen - k))
  return { testlen, refLens, reflen, guess, correct }
}

// Captions are short, so clipped counts are found without n-gram maps: for each candidate
// position i, every position p (in the candidate or a reference) holding the same word
// starts a common run; its length l (capped at 4) says that the n-grams of orders 1..l at i
// occur at p. Counts are integers, so the method cannot change the result; long inputs
// (quadratic here) take the keyed path below.
const DIRECT_MAX = 64

const dup = [false, false, false, false] // the n-gram at i occurred before i
const selfCount = [0, 0, 0, 0] // occurrences of the n-gram at i from i on
const refCount = [0, 0, 0, 0]
const refMax = [0, 0, 0, 0] // max occurrences in one reference

/** Common-run length of c from i and o from p (o[p] === c[i] known), capped at max. */
function runLength(c: ReadonlyArray<number>, i: number, o: ReadonlyArray<number>, p: number, max: number): number {
  let l = 1
  while (l < max && p + l < o.length && o[p + l] === c[i + l]) l++
  return l
}

/** Clipped matches per order (direct method; exported for tests). */
export function directCorrect(c: ReadonlyArray<number>, refs: ReadonlyArray<ReadonlyArray<number>>): Array<number> {
  const correct = [0, 0, 0, 0]
  const len = c.length
  for (let i = 0; i < len; i++) {
    const maxN = Math.min(BLEU_MAX_N, len - i)
    const x = c[i]
    dup[0] = dup[1] = dup[2] = dup[3] = false
    selfCount[0] = selfCount[1] = selfCount[2] = selfCount[3] = 0
    for (let p = 0; p < len; p++) {
      if (c[p] !== x) continue
      const l = runLength(c, i, c, p, maxN)
      for (let n = 0; n < l; n++) {
        if (p < i) dup[n] = true
        else selfCount[n] = (selfCount[n] as number) + 1
      }
    }
    if (dup[maxN - 1] === true) continue // every order at i was counted at an earlier position
    refMax[0] = refMax[1] = refMax[2] = refMax[3] = 0
    for (let r = 0; r < refs.length; r++) {
      const ref = refs[r] as ReadonlyArray<number>
      refCount[0] = refCount[1] = refCount[2] = refCount[3] = 0
      for (let p = 0; p < ref.length; p++) {
        if (ref[p] !== x) continue
        const l = runLength(c, i, ref, p, maxN)
        for (let n = 0; n < l; n++) refCount[n] = (refCount[n] as number) + 1
      }
      for (let n = 0; n < maxN; n++) if ((refCount[n] as number) > (refMax[n] as number)) refMax[n] = refCount[n] as number
    }
    for (let n = 0; n < maxN; n++) {
      if (!dup[n]) correct[n] = (correct[n] as number) + Math.min(selfCount[n] as number, refMax[n] as number)
    }
  }
  return correct
}

// Long inputs: n-grams keyed by numbers. Words get item-local ids 1..V and an n-gram is its
// ids in base B (B a power of two above V), so orders never collide and keys stay small
// ints; items with too many distinct words for B^4 to stay exact fall back to string keys.
/** Clipped matches per order (keyed method; exported for tests). */
export function keyedCorrect(candidate: ReadonlyArray<number>, references: ReadonlyArray<ReadonlyArray<number>>): Array<number> {
  const vocab = new Map<number, number>()
  const ids = (toks: ReadonlyArray<number>): Array<number> =>
    toks.map((w) => {
      let id = vocab.get(w)
      if (id === undefined) vocab.set(w, (id = vocab.size + 1))
      return id
    })
  const candIds = ids(candidate)
  const refIds = references.map(ids)
  let base = 2
  while (base <= vocab.size) base *= 2
  const exact = base ** BLEU_MAX_N < MAX_EXACT
  const maxRef = new Map<number | string, number>()
  const tmp = new Map<number | string, number>()
  const keyOf = exact
    ? (toks: ReadonlyArray<number>, each: (key: number | string, order: number) => void) => keyedNgrams(toks, base, each)
    : (toks: ReadonlyArray<number>, each: (key: number | string, order: number) => void) => {
        for (let i = 0; i < toks.length; i++) {
          let key = ""
          for (let k = 0; k < BLEU_MAX_N && i + k < toks.length; k++) {
            key += `${toks[i + k]},`
            each(key, k)
          }
        }
      }
  for (const r of refIds) {
    tmp.clear()
    keyOf(r, (key) => tmp.set(key, (tmp.get(key) ?? 0) + 1))
    for (const [g, c] of tmp) if (c > (maxRef.get(g) ?? 0)) maxRef.set(g, c)
  }
  tmp.clear()
  const orderOf = new Map<number | string, number>()
  keyOf(candIds, (key, order) => {
    tmp.set(key, (tmp.get(key) ?? 0) + 1)
    orderOf.set(key, order)
  })
  const correct = [0, 0, 0, 0]
  for (const [g, c] of tmp) {
    const k = orderOf.get(g) as number
    correct[k] = (correct[k] as number) + Math.min(c, maxRef.get(g) ?? 0)
  }
  return correct
}

const SMALL = 1e-9
const TINY = 1e-15

/** BLEU-1..4 from (summed) statistics, with COCO's smoothing constants and brevity penalty.
 * Used for COCO's per-item values and, on summed statistics, its corpus value. */
export function cocoBleuFromTotals(testlen: number, reflen: number, guess: ReadonlyArray<number>, correct: ReadonlyArray<number>): Array<number> {
  const out: Array<number> = []
  let bleu = 1
  for (let k = 0; k < BLEU_MAX_N; k++) {
    bleu *= ((correct[k] as number) + TINY) / ((guess[k] as number) + SMALL)
    out.push(bleu ** (1 / (k + 1)))
  }
  const ratio = (testlen + TINY) / (reflen + SMALL)
  if (ratio < 1) {
    const bp = Math.exp(1 - 1 / ratio)
    for (let k = 0; k < BLEU_MAX_N; k++) out[k] = (out[k] as number) * bp
  }
  return out
}

/** Running sums of BLEU statistics over a corpus. */
export class BleuTotals {
  testlen = 0
  reflen = 0
  readonly guess = [0, 0, 0, 0]
  readonly correct = [0, 0, 0, 0]
  add(s: BleuStats): void {
    this.testlen += s.testlen
    this.reflen += s.reflen
    for (let k = 0; k < BLEU_MAX_N; k++) {
      this.guess[k] = (this.guess[k] as number) + (s.guess[k] as number)
      this.correct[k] = (this.correct[k] as number) + (s.correct[k] as number)
    }
  }
  /** COCO corpus BLEU-1..4. */
  coco(): Array<number> {
    return cocoBleuFromTotals(this.testlen, this.reflen, this.guess, this.correct)
  }
  /** NLTK corpus_bleu BLEU-1..4. */
  nltk(smoothing: NltkSmoothing = "none"): Array<number> {
    return nltkBleuFromTotals(this.testlen, this.reflen, this.guess, this.correct, smoothing)
  }
}

export type NltkSmoothing = "none" | "method1"

/** Python's math.fsum (Shewchuk's exact partials); the few terms here make it cheap. */
export function fsum(xs: ReadonlyArray<number>): number {
  const partials: Array<number> = []
  for (let x of xs) {
    let i = 0
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x]
      const hi = x + y
      const lo = y - (hi - x)
      if (lo !== 0) partials[i++] = lo
      x = hi
    }
    partials.length = i
    partials.push(x)
  }
  let sum = 0
  for (let k = partials.length - 1; k >= 0; k--) sum += partials[k] as number
  return sum
}

const FLOAT_MIN = 2.2250738585072014e-308 // sys.float_info.min, NLTK method0's stand-in for log(0)

/** NLTK corpus_bleu (weights (1/n,)*n for BLEU-n, auto_reweigh off) from summed statistics:
 * denominators are max(1, guess) per item, so callers pass the per-item-clamped sums. */
export function nltkBleuFromTotals(
  hypLen: number, refLen: number, denominators: ReadonlyArray<number>, numerators: ReadonlyArray<number>, smoothing: NltkSmoothing,
  epsilon = 0.1,
): Array<number> {
  if (numerators[0] === 0) return [0, 0, 0, 0]
  const bp = hypLen > refLen ? 1 : hypLen === 0 ? 0 : Math.exp(1 - refLen / hypLen)
  const logs: Array<number> = []
  for (let k = 0; k < BLEU_MAX_N; k++) {
    const num = numerators[k] as number
    const den = denominators[k] as number
    const p = num !== 0 ? num / den : smoothing === "method1" ? (num + epsilon) / den : FLOAT_MIN
    logs.push(Math.log(p))
  }
  const out: Array<number> = []
  for (let n = 1; n <= BLEU_MAX_N; n++) {
    const w = 1 / n
    out.push(bp * Math.exp(fsum(logs.slice(0, n).map((l) => w * l))))
  }
  return out
}

/** NLTK's per-item denominators: max(1, number of candidate n-grams). */
export function nltkDenominators(s: BleuStats): Array<number> {
  return s.guess.map((g) => Math.max(1, g))
}

/** NLTK sentence_bleu BLEU-1..4 for one item. */
export function nltkSentenceBleu(s: BleuStats, smoothing: NltkSmoothing = "none"): Array<number> {
  return nltkBleuFromTotals(s.testlen, s.reflen, nltkDenominators(s), s.correct, smoothing)
}
