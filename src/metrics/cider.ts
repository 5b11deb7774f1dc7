// CIDEr-D as the COCO caption toolkit (pycocoevalcap CiderScorer, n=4, sigma=6) computes it:
// tf-idf n-gram vectors with document frequencies over the references of the scored corpus,
// clipped cosine similarity, a gaussian penalty on the length difference, x10.
// Quirks kept on purpose: "length" counts bigrams (the toolkit's `if n == 1`), and ref_len
// is log(number of items).
//
// Memory: document frequencies need the whole corpus before any item can be scored, so
// items are retained compactly: captions as word-id arrays and n-grams interned in a trie
// (n-gram id = (prefix id, word id)) held in one open-addressing hash table of typed arrays.

const N = 4
const SIGMA = 6
const WORD_LIMIT = 2 ** 31 - 1

class GrowInt32 {
  data: Int32Array
  length = 0
  constructor(cap = 1024) {
    this.data = new Int32Array(cap)
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1)
    this.data[this.length++] = v
  }
  grow(min: number): void {
    let cap = this.data.length * 2
    while (cap < min) cap *= 2
    const d = new Int32Array(cap)
    d.set(this.data.subarray(0, this.length))
    this.data = d
  }
}

/** Interns n-grams as (prefix n-gram id + 1, word id) pairs; ids are dense from 0. */
class NgramTable {
  private hi = new Int32Array(1 << 16).fill(-1) // prefix id + 1; -1 marks an empty slot
  private lo = new Int32Array(1 << 16) // word id
  private vals = new Int32Array(1 << 16)
  size = 0
  readonly order = new GrowInt32()

  private slot(hi: number, lo: number): number {
    const mask = this.hi.length - 1
    let h = Math.imul(hi, 0x9e3779b1) ^ Math.imul(lo, 0x85ebca6b)
    h = (h ^ (h >>> 15)) & mask
    while (true) {
      const k = this.hi[h] as number
      if (k === -1 || (k === hi && this.lo[h] === lo)) return h
      h = (h + 1) & mask
    }
  }

  intern(prefix: number, word: number, order: number): number {
    const hi = prefix + 1
    let h = this.slot(hi, word)
    if (this.hi[h] !== -1) return this.vals[h] as number
    if ((this.size + 1) * 2 > this.hi.length) {
      this.rehash()
      h = this.slot(hi, word)
    }
    this.hi[h] = hi
    this.lo[h] = word
    this.vals[h] = this.size
    this.order.push(order)
    return this.size++
  }

  private rehash(): void {
    const [oh, ol, ov] = [this.hi, this.lo, this.vals]
    this.hi = new Int32Array(oh.length * 2).fill(-1)
    this.lo = new Int32Array(oh.length * 2)
    this.vals = new Int32Array(oh.length * 2)
    for (let i = 0; i < oh.length; i++) {
      const k = oh[i] as number
      if (k === -1) continue
      const h = this.slot(k, ol[i] as number)
      this.hi[h] = k
      this.lo[h] = ol[i] as number
      this.vals[h] = ov[i] as number
    }
  }
}

/** Accumulates a corpus, then scores every item once document frequencies are known. */
export class CiderCorpus {
  private readonly vocab = new Map<string, number>()
  private readonly table = new NgramTable()
  private readonly df = new GrowInt32()
  private readonly lastItem = new GrowInt32()
  /** Per item: [n captions, len, ids..., len, ids...]; candidate first. */
  private readonly tokens = new GrowInt32(1 << 16)
  private readonly starts = new GrowInt32()
  private items = 0

  private wordId(w: string): number {
    let id = this.vocab.get(w)
    if (id === undefined) {
      id = this.vocab.size
      if (id >= WORD_LIMIT) throw new RangeError("CIDEr vocabulary too large")
      this.vocab.set(w, id)
    }
    return id
  }

  /** Add one item: token arrays of the candidate and its references. */
  add(candidate: ReadonlyArray<string>, references: ReadonlyArray<ReadonlyArray<string>>): void {
    const item = this.items++
    this.starts.push(this.tokens.length)
    this.tokens.push(references.length + 1)
    const caps = [candidate, ...references]
    for (let c = 0; c < caps.length; c++) {
      const cap = caps[c] as ReadonlyArray<string>
      this.tokens.push(cap.length)
      const base = this.tokens.length
      for (const w of cap) this.tokens.push(this.wordId(w))
      // Intern every n-gram; references count once per item towards document frequency.
      for (let i = 0; i < cap.length; i++) {
        let prefix = -1
        for (let k = 0; k < N && i + k < cap.length; k++) {
          prefix = this.table.intern(prefix, this.tokens.data[base + i + k] as number, k + 1)
          while (this.df.length <= prefix) {
            this.df.push(0)
            this.lastItem.push(-1)
          }
          if (c > 0 && this.lastItem.data[prefix] !== item) {
            this.lastItem.data[prefix] = item
            this.df.data[prefix] = (this.df.data[prefix] as number) + 1
          }
        }
      }
    }
  }

  get size(): number {
    return this.items
  }

  /** Per-item CIDEr-D, in insertion order. Scratch arrays indexed by n-gram id replace
   * the toolkit's dicts; iteration follows its insertion order (order k-major, then first
   * occurrence), so the floating-point sums are the same. */
  scores(): Float64Array {
    const out = new Float64Array(this.items)
    const refLen = Math.log(this.items)
    const nGrams = this.table.size
    const idf = new Float64Array(nGrams)
    for (let g = 0; g < nGrams; g++) idf[g] = refLen - Math.log(Math.max(1, this.df.data[g] as number))
    const order = this.table.order.data
    // Hypothesis and reference vectors: value by n-gram id, valid where stamp matches.
    const valH = new Float64Array(nGrams)
    const valR = new Float64Array(nGrams)
    const stampH = new Int32Array(nGrams).fill(-1)
    const stampR = new Int32Array(nGrams).fill(-1)
    let refStamp = 0
    let uniqH = new Int32Array(64)
    let uniqR = new Int32Array(64)
    let grams = new Int32Array(256)
    const normH = [0, 0, 0, 0]
    const normR = [0, 0, 0, 0]
    const val = [0, 0, 0, 0]
    const score = [0, 0, 0, 0]
    const t = this.tokens.data
    // Fill `uniq` with the caption's distinct n-grams (toolkit order), `vals` with tf-idf,
    // `norm` with per-order norms; returns the count of distinct n-grams.
    const vectorize = (p: number, len: number, vals: Float64Array, stamp: Int32Array, s: number, norm: Array<number>): number => {
      if (grams.length < N * len) grams = new Int32Array(N * len * 2)
      for (let i = 0; i < len; i++) {
        let g = -1
        for (let k = 0; k < N && i + k < len; k++) {
          g = this.table.intern(g, t[p + i + k] as number, k + 1)
          grams[k * len + i] = g
        }
      }
      let uniq = vals === valH ? uniqH : uniqR
      if (uniq.length < N * len) {
        uniq = new Int32Array(N * len * 2)
        if (vals === valH) uniqH = uniq
        else uniqR = uniq
      }
      let u = 0
      for (let k = 0; k < N; k++) {
        for (let i = 0; i + k < len; i++) {
          const g = grams[k * len + i] as number
          if (stamp[g] !== s) {
            stamp[g] = s
            vals[g] = 0
            uniq[u++] = g
          }
          vals[g] = (vals[g] as number) + 1
        }
      }
      norm[0] = norm[1] = norm[2] = norm[3] = 0
      for (let j = 0; j < u; j++) {
        const g = uniq[j] as number
        const v = (vals[g] as number) * (idf[g] as number)
        vals[g] = v
        const n = (order[g] as number) - 1
        norm[n] = (norm[n] as number) + v ** 2
      }
      for (let n = 0; n < N; n++) norm[n] = Math.sqrt(norm[n] as number)
      return u
    }
    for (let item = 0; item < this.items; item++) {
      let p = this.starts.data[item] as number
      const nCaps = t[p++] as number
      const lenH = t[p++] as number
      const uH = vectorize(p, lenH, valH, stampH, item, normH)
      p += lenH
      const lengthH = Math.max(0, lenH - 1) // the toolkit's "length": number of bigrams
      score[0] = score[1] = score[2] = score[3] = 0
      for (let r = 1; r < nCaps; r++) {
        const lenR = t[p++] as number
        const s = refStamp++
        vectorize(p, lenR, valR, stampR, s, normR)
        p += lenR
        const delta = lengthH - Math.max(0, lenR - 1)
        val[0] = val[1] = val[2] = val[3] = 0
        for (let j = 0; j < uH; j++) {
          const g = uniqH[j] as number
          const vh = valH[g] as number
          const vr = stampR[g] === s ? (valR[g] as number) : 0
          const n = (order[g] as number) - 1
          val[n] = (val[n] as number) + Math.min(vh, vr) * vr
        }
        const penalty = Math.E ** (-(delta ** 2) / (2 * SIGMA ** 2))
        for (let n = 0; n < N; n++) {
          let v = val[n] as number
          const nh = normH[n] as number
          const nr = normR[n] as number
          if (nh !== 0 && nr !== 0) v /= nh * nr
          v *= penalty
          score[n] = (score[n] as number) + v
        }
      }
      let avg = ((score[0] as number) + (score[1] as number) + (score[2] as number) + (score[3] as number)) / N
      avg /= nCaps - 1
      avg *= 10
      out[item] = avg
    }
    return out
  }
}
