// CIDEr-D as the COCO caption toolkit (pycocoevalcap CiderScorer, n=4, sigma=6) computes it:
// tf-idf n-gram vectors with document frequencies over the references of the scored corpus,
// clipped cosine similarity, a gaussian penalty on the length difference, x10.
// Quirks kept on purpose: "length" counts bigrams (the toolkit's `if n == 1`), and ref_len
// is log(number of items).
//
// Memory: document frequencies need the whole corpus before any item can be scored, so
// items are retained compactly. N-grams are interned in a trie (n-gram id = (prefix id,
// word id)) held in one open-addressing hash table; each caption keeps, per position, only
// the id of the longest n-gram starting there: its prefixes are the shorter ones, found by
// following `parent`, so scoring needs no hashing and a caption costs one int per word.

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

/** Interns n-grams as (prefix n-gram id + 1, word id) pairs; ids are dense from 0. Slots
 * are interleaved [prefix + 1, word, id] so that a probe touches one cache line. */
class NgramTable {
  // 2^20 slots (12 MB of address space) from the start: a 5,000-item corpus has ~290k
  // n-grams of orders 2-4, and each doubling on the way re-inserts all of them (two
  // rehashes cost ~35 ms). Empty slots are 0 (keys are prefix + 1 >= 1), so the table
  // needs no fill and a small corpus touches only the pages it probes.
  private slots = new Int32Array(3 << 20)
  private mask = (1 << 20) - 1
  size = 0
  /** Per n-gram id: its order (1..N) and its prefix's id (-1 for unigrams). */
  readonly order = new GrowInt32()
  readonly parent = new GrowInt32()

  private slot(hi: number, lo: number): number {
    const s = this.slots
    let h = Math.imul(hi, 0x9e3779b1) ^ Math.imul(lo, 0x85ebca6b)
    h = (h ^ (h >>> 15)) & this.mask
    while (true) {
      const k = s[3 * h] as number
      if (k === 0 || (k === hi && s[3 * h + 1] === lo)) return h
      h = (h + 1) & this.mask
    }
  }

  /** Unigram ids by word id (-1: none yet): the most frequent lookups skip the hash. */
  private unigram = new Int32Array(1024).fill(-1)

  intern(prefix: number, word: number, order: number): number {
    if (prefix < 0) {
      if (word >= this.unigram.length) {
        let cap = this.unigram.length * 2
        while (cap <= word) cap *= 2
        const u = new Int32Array(cap).fill(-1)
        u.set(this.unigram)
        this.unigram = u
      }
      let g = this.unigram[word] as number
      if (g < 0) {
        g = this.size++
        this.unigram[word] = g
        this.order.push(order)
        this.parent.push(-1)
      }
      return g
    }
    const hi = prefix + 1
    let h = this.slot(hi, word)
    if (this.slots[3 * h] !== 0) return this.slots[3 * h + 2] as number
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.rehash()
      h = this.slot(hi, word)
    }
    this.slots[3 * h] = hi
    this.slots[3 * h + 1] = word
    this.slots[3 * h + 2] = this.size
    this.order.push(order)
    this.parent.push(prefix)
    return this.size++
  }

  private rehash(): void {
    const old = this.slots
    const cap = 2 * (this.mask + 1)
    this.slots = new Int32Array(3 * cap)
    this.mask = cap - 1
    for (let i = 0; i < old.length; i += 3) {
      const k = old[i] as number
      if (k === 0) continue
      const h = this.slot(k, old[i + 1] as number)
      this.slots[3 * h] = k
      this.slots[3 * h + 1] = old[i + 1] as number
      this.slots[3 * h + 2] = old[i + 2] as number
    }
  }
}

/** Accumulates a corpus, then scores every item once document frequencies are known. */
export class CiderCorpus {
  private readonly vocab = new Map<string, number>()
  private readonly table = new NgramTable()
  private readonly df = new GrowInt32()
  private readonly lastItem = new GrowInt32()
  /** Per item: [n captions, len, top n-gram ids..., len, ...]; candidate first. */
  private readonly tokens = new GrowInt32(1 << 16)
  private readonly starts = new GrowInt32()
  private items = 0
  private done: CiderTables | undefined

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
    const ids = (cap: ReadonlyArray<string>): Array<number> => cap.map((w) => this.wordId(w))
    this.addIds(ids(candidate), references.map(ids))
  }

  /** Add one item as word ids: dense non-negative ids (a Vocab's), as unigrams are found
   * by indexing with them. Scores depend only on which words are equal, not on the ids. */
  addIds(candidate: ArrayLike<number>, references: ReadonlyArray<ArrayLike<number>>): void {
    const item = this.items++
    const table = this.table
    const df = this.df
    const lastItem = this.lastItem
    this.starts.push(this.tokens.length)
    this.tokens.push(references.length + 1)
    for (let c = 0; c <= references.length; c++) {
      const cap = c === 0 ? candidate : (references[c - 1] as ArrayLike<number>)
      this.tokens.push(cap.length)
      // Intern every n-gram; references count once per item towards document frequency.
      for (let i = 0; i < cap.length; i++) {
        let g = -1
        for (let k = 0; k < N && i + k < cap.length; k++) {
          g = table.intern(g, cap[i + k] as number, k + 1)
          if (g >= df.length) {
            df.push(0)
            lastItem.push(-1)
          }
          if (c > 0 && lastItem.data[g] !== item) {
            lastItem.data[g] = item
            df.data[g] = (df.data[g] as number) + 1
          }
        }
        this.tokens.push(g)
      }
    }
  }

  get size(): number {
    return this.items
  }

  /** The complete corpus as scoring needs it (idf from the document frequencies); views of
   * this corpus' storage, computed once: add nothing after calling it. */
  tables(): CiderTables {
    if (this.done !== undefined && this.done.items === this.items) return this.done
    const refLen = Math.log(this.items)
    const nGrams = this.table.size
    const idf = new Float64Array(nGrams)
    for (let g = 0; g < nGrams; g++) idf[g] = refLen - Math.log(Math.max(1, this.df.data[g] as number))
    this.done = {
      items: this.items,
      idf,
      tokens: this.tokens.data.subarray(0, this.tokens.length),
      starts: this.starts.data.subarray(0, this.starts.length),
      order: this.table.order.data.subarray(0, nGrams),
      parent: this.table.parent.data.subarray(0, nGrams),
    }
    return this.done
  }

  /** Per-item CIDEr-D, in insertion order. */
  scores(): Float64Array {
    return ciderScores(this.tables(), 0, this.items)
  }
}

/** A complete corpus for scoring: plain typed arrays, so that another thread can score a
 * range of its items (see CiderCorpus.tables). */
export interface CiderTables {
  readonly items: number
  /** Per n-gram id: log(items) - log(max(1, document frequency)). */
  readonly idf: Float64Array
  /** Per item from starts[item]: [n captions, len, top n-gram ids..., len, ...]. */
  readonly tokens: Int32Array
  readonly starts: Int32Array
  /** Per n-gram id: its order (1..N) and its prefix's id. */
  readonly order: Int32Array
  readonly parent: Int32Array
}

/** CIDEr-D of items [from, to) of a complete corpus (element i is item from + i). Each
 * caption's tf-idf vector is a short list of its distinct n-grams in the toolkit's dict order
 * (order k-major, then first occurrence), so every floating-point sum runs over the same
 * terms in the same order as the toolkit's; each item's value depends on the tables alone,
 * so any split of the items into ranges gives the same numbers. */
export function ciderScores(tables: CiderTables, from: number, to: number): Float64Array {
  const out = new Float64Array(to - from)
  const { idf, order, parent } = tables
  const h = new CaptionVector()
  const r = new CaptionVector()
  const val = [0, 0, 0, 0]
  const score = [0, 0, 0, 0]
  const t = tables.tokens
  for (let item = from; item < to; item++) {
    let p = tables.starts[item] as number
    const nCaps = t[p++] as number
    const lenH = t[p++] as number
    h.build(t, p, lenH, order, parent, idf)
    p += lenH
    const lengthH = Math.max(0, lenH - 1) // the toolkit's "length": number of bigrams
    score[0] = score[1] = score[2] = score[3] = 0
    for (let c = 1; c < nCaps; c++) {
      const lenR = t[p++] as number
      r.build(t, p, lenR, order, parent, idf)
      p += lenR
      const delta = lengthH - Math.max(0, lenR - 1)
      for (let n = 0; n < N; n++) {
        let v = 0
        for (let j = h.start[n] as number; j < (h.start[n + 1] as number); j++) {
          const vh = h.vals[j] as number
          const at = r.find(h.grams[j] as number, n)
          const vr = at < 0 ? 0 : (r.vals[at] as number)
          v += Math.min(vh, vr) * vr
        }
        val[n] = v
      }
      const penalty = Math.E ** (-(delta ** 2) / (2 * SIGMA ** 2))
      for (let n = 0; n < N; n++) {
        let v = val[n] as number
        const nh = h.norm[n] as number
        const nr = r.norm[n] as number
        if (nh !== 0 && nr !== 0) v /= nh * nr
        v *= penalty
        score[n] = (score[n] as number) + v
      }
    }
    let avg = ((score[0] as number) + (score[1] as number) + (score[2] as number) + (score[3] as number)) / N
    avg /= nCaps - 1
    avg *= 10
    out[item - from] = avg
  }
  return out
}

// Past this many n-grams of one order in a caption, lookups go through a Map instead of a scan.
const SCAN_MAX = 32

/** One caption's tf-idf vector: distinct n-grams grouped by order (start[n]..start[n+1]),
 * each group in first-occurrence order; values tf * idf; per-order norms. */
class CaptionVector {
  grams = new Int32Array(64)
  vals = new Float64Array(64)
  readonly start = new Int32Array(N + 1)
  readonly norm = [0, 0, 0, 0]
  private index: Array<Map<number, number> | undefined> = [undefined, undefined, undefined, undefined]

  /** From the caption's top n-gram ids t[p .. p + len) (see CiderCorpus.tokens). */
  build(t: Int32Array, p: number, len: number, order: Int32Array, parent: Int32Array, idf: Float64Array): void {
    if (this.grams.length < N * len) {
      this.grams = new Int32Array(N * len * 2)
      this.vals = new Float64Array(N * len * 2)
    }
    const grams = this.grams
    const vals = this.vals
    // All n-grams, order-major: the one of order k+1 at position i goes to slot k * len + i.
    for (let i = 0; i < len; i++) {
      let g = t[p + i] as number
      for (let k = (order[g] as number) - 1; k >= 0; k--) {
        grams[k * len + i] = g
        g = parent[g] as number
      }
    }
    // Compact in place to the distinct ones, counting (slot k * len + i >= the write point).
    let u = 0
    for (let k = 0; k < N; k++) {
      const from = u
      this.start[k] = from
      const count = Math.max(0, len - k)
      let index: Map<number, number> | undefined
      if (count > SCAN_MAX) index = new Map()
      this.index[k] = index
      for (let i = 0; i < count; i++) {
        const g = grams[k * len + i] as number
        let at = -1
        if (index !== undefined) at = index.get(g) ?? -1
        else for (let j = from; j < u; j++) if (grams[j] === g) {
          at = j
          break
        }
        if (at < 0) {
          at = u++
          grams[at] = g
          vals[at] = 0
          index?.set(g, at)
        }
        vals[at] = (vals[at] as number) + 1
      }
    }
    this.start[N] = u
    for (let n = 0; n < N; n++) {
      let norm = 0
      for (let j = this.start[n] as number; j < (this.start[n + 1] as number); j++) {
        const v = (vals[j] as number) * (idf[grams[j] as number] as number)
        vals[j] = v
        norm += v ** 2
      }
      this.norm[n] = Math.sqrt(norm)
    }
  }

  /** Position of n-gram g (of order n + 1) in this vector, or -1. */
  find(g: number, n: number): number {
    const index = this.index[n]
    if (index !== undefined) return index.get(g) ?? -1
    const end = this.start[n + 1] as number
    for (let j = this.start[n] as number; j < end; j++) if (this.grams[j] === g) return j
    return -1
  }
}
