/**
 * BM25 retrieval core: pure functions, no I/O. Documents are training turns, queries are eval
 * items; the answer is the response of the best-scoring document. Hot loops use typed arrays.
 */
import type { Item, Sample } from "../../src/data/sample.ts"

export type Field = "instruction" | "context" | "history"

export interface Bm25Params {
  readonly k1: number
  readonly b: number
  readonly fields: ReadonlyArray<Field>
}

export const defaultParams: Bm25Params = { k1: 1.2, b: 0.75, fields: ["instruction", "context"] }

// A light list: function words that match everywhere and only add noise to the ranking.
const STOP = new Set(
  ("a an and are as at be but by can could did do does for from had has have he her his how i if in into is it its " +
    "me my of on or our she so than that the their them then there these they this those to was we were what when " +
    "where which who whom why will with would you your")
    .split(" ")
)

const WORD = /[\p{L}\p{N}]+/gu
const IMAGE_TAG = /<image>/g

/** Lowercase alphanumeric words, without the `<image>` placeholder and stop words. */
export const tokenize = (text: string): Array<string> => {
  const out: Array<string> = []
  const m = text.toLowerCase().replace(IMAGE_TAG, " ").match(WORD)
  if (m === null) return out
  for (const w of m) if (!STOP.has(w)) out.push(w)
  return out
}

export interface Doc {
  /** sort key: dataset, sample id, turn */
  readonly dataset: string
  readonly sampleId: string
  readonly turn: number
  readonly text: string
  readonly response: string
}

const fieldText = (
  fields: ReadonlyArray<Field>,
  instruction: string,
  context: string | undefined,
  history: ReadonlyArray<{ readonly instruction: string; readonly response: string }>
): string => {
  let t = ""
  for (const f of fields) {
    if (f === "instruction") t += instruction + "\n"
    else if (f === "context" && context !== undefined) t += context + "\n"
    else if (f === "history") for (const h of history) t += h.instruction + "\n" + h.response + "\n"
  }
  return t
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** One document per (sample, turn), sorted by (dataset, sample id, turn) so ties break the same way whatever the input order. */
export const docsOf = (samples: ReadonlyArray<Sample>, fields: ReadonlyArray<Field>): Array<Doc> => {
  const docs: Array<Doc> = []
  for (const s of samples) {
    const history: Array<{ instruction: string; response: string }> = []
    s.turns.forEach((t, i) => {
      const response = t.references[0] ?? ""
      docs.push({
        dataset: s.dataset,
        sampleId: s.id,
        turn: i,
        text: fieldText(fields, t.instruction, s.context, history),
        response
      })
      history.push({ instruction: t.instruction, response })
    })
  }
  docs.sort((x, y) => cmp(x.dataset, y.dataset) || cmp(x.sampleId, y.sampleId) || x.turn - y.turn)
  return docs
}

export const queryText = (item: Item, fields: ReadonlyArray<Field>): string =>
  fieldText(fields, item.instruction, item.context, item.history)

/** The index as stored: postings per term with precomputed BM25 weights. */
export interface Index {
  readonly params: Bm25Params
  readonly vocab: ReadonlyArray<string>
  /** nTerms + 1 offsets into postingDocs / postingWeights */
  readonly offsets: Uint32Array
  readonly postingDocs: Uint32Array
  readonly postingWeights: Float32Array
  readonly responses: ReadonlyArray<string>
}

/**
 * Build from tokenized documents (tokens[i] belongs to docs i, already in sorted order).
 * Weights are BM25 with Lucene's non-negative idf: idf * tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)).
 */
export const buildIndex = (
  tokens: ReadonlyArray<ReadonlyArray<string>>,
  responses: ReadonlyArray<string>,
  params: Bm25Params
): Index => {
  const n = tokens.length
  const termId = new Map<string, number>()
  const vocab: Array<string> = []
  const docLen = new Uint32Array(n)
  // per-doc (termId, tf) pairs, flattened
  const docTerms: Array<Uint32Array> = []
  const docTfs: Array<Uint32Array> = []
  let total = 0
  const df: Array<number> = []
  for (let d = 0; d < n; d++) {
    const toks = tokens[d]!
    docLen[d] = toks.length
    total += toks.length
    const tf = new Map<number, number>()
    for (const w of toks) {
      let id = termId.get(w)
      if (id === undefined) {
        id = vocab.length
        termId.set(w, id)
        vocab.push(w)
        df.push(0)
      }
      tf.set(id, (tf.get(id) ?? 0) + 1)
    }
    const ids = new Uint32Array(tf.size)
    const tfs = new Uint32Array(tf.size)
    let j = 0
    for (const [id, c] of tf) {
      ids[j] = id
      tfs[j] = c
      j++
      df[id]!++
    }
    docTerms.push(ids)
    docTfs.push(tfs)
  }
  // Vocabulary in sorted order so the stored index does not depend on first-seen order.
  const order = vocab.map((_, i) => i).sort((x, y) => cmp(vocab[x]!, vocab[y]!))
  const remap = new Uint32Array(vocab.length)
  order.forEach((old, neu) => (remap[old] = neu))
  const sortedVocab = order.map((i) => vocab[i]!)
  const offsets = new Uint32Array(vocab.length + 1)
  for (let t = 0; t < vocab.length; t++) offsets[remap[t]! + 1] = df[t]!
  for (let t = 0; t < vocab.length; t++) offsets[t + 1]! += offsets[t]!
  const nPost = offsets[vocab.length]!
  const postingDocs = new Uint32Array(nPost)
  const postingWeights = new Float32Array(nPost)
  const fill = offsets.slice(0, vocab.length)
  const avgdl = n > 0 ? total / n || 1 : 1
  const { k1, b } = params
  for (let d = 0; d < n; d++) {
    const ids = docTerms[d]!
    const tfs = docTfs[d]!
    const norm = k1 * (1 - b + (b * docLen[d]!) / avgdl)
    for (let j = 0; j < ids.length; j++) {
      const t = ids[j]!
      const dft = df[t]!
      const idf = Math.log(1 + (n - dft + 0.5) / (dft + 0.5))
      const tf = tfs[j]!
      const p = fill[remap[t]!]!++
      postingDocs[p] = d // docs are visited in order, so each posting list is sorted
      postingWeights[p] = (idf * tf * (k1 + 1)) / (tf + norm)
    }
  }
  return { params, vocab: sortedVocab, offsets, postingDocs, postingWeights, responses }
}

/** FNV-1a over a string: a fast 32-bit hash for tie keys (not for security). */
export const fnv1a = (text: string, h = 0x811c9dc5): number => {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * A 32-bit finaliser (murmur3's fmix32): spreads a key over all bits. Returned as a signed int32:
 * values kept in V8's small-integer range, so the tie loop below allocates nothing.
 */
const mix = (x: number): number => {
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  x ^= x >>> 16
  return x | 0
}

/** A loaded index ready for queries (term lookup map and a reusable score buffer). */
export interface Searcher {
  readonly index: Index
  /**
   * The k best documents: highest score first; equal scores in the order of a key mixed from the
   * seed, the query's terms and the document's response, so a tie does not go to whichever
   * dataset or sample id sorts first (which decided whole caption columns before), the same query
   * always gets the same answer, and the choice does not depend on what else is in the tune set.
   * Documents that match no query term come last, in an order set by the seed alone.
   */
  readonly nearest: (queryTokens: ReadonlyArray<string>, k: number, seed: number) => Array<number>
  /** The answer: the most common response among the k nearest (ties: the nearer). */
  readonly answer: (queryTokens: ReadonlyArray<string>, k: number, seed: number) => string
}

export const searcher = (index: Index): Searcher => {
  const termId = new Map<string, number>()
  index.vocab.forEach((w, i) => termId.set(w, i))
  const nDocs = index.responses.length
  const scores = new Float64Array(nDocs)
  const touched = new Uint32Array(nDocs)
  // each response's key, mixed once; a tie is ordered by (key XOR the query's key): a bijection
  // per query, so different queries order the same documents differently, at one XOR per document
  const responseKey = Int32Array.from(index.responses, (r) => mix(fnv1a(r)))
  const { offsets, postingDocs, postingWeights } = index
  // all documents in a seeded order (sorted once per seed): the fallback for unmatched queries
  const fallback = new Map<number, Int32Array>()
  const fallbackOrder = (seed: number): Int32Array => {
    let order = fallback.get(seed)
    if (order === undefined) {
      const sKey = mix(fnv1a(String(seed)))
      order = Int32Array.from({ length: nDocs }, (_, d) => d).sort((a, b) => ((responseKey[a]! ^ sKey) | 0) - ((responseKey[b]! ^ sKey) | 0) || a - b)
      fallback.set(seed, order)
    }
    return order
  }
  const nearest = (queryTokens: ReadonlyArray<string>, k: number, seed: number): Array<number> => {
    const ids: Array<number> = []
    for (const w of queryTokens) {
      const id = termId.get(w)
      if (id !== undefined) ids.push(id)
    }
    // unique terms, summed in a fixed order so equal queries give bit-equal scores
    ids.sort((x, y) => x - y)
    let nTouched = 0
    let prev = -1
    let q = fnv1a(String(seed))
    for (const t of ids) {
      if (t === prev) continue
      prev = t
      q = fnv1a(index.vocab[t]!, q ^ 0x20)
      const end = offsets[t + 1]!
      for (let p = offsets[t]!; p < end; p++) {
        const d = postingDocs[p]!
        if (scores[d] === 0) touched[nTouched++] = d
        scores[d] = scores[d]! + postingWeights[p]!
      }
    }
    const qKey = mix(q)
    const key = (d: number) => (responseKey[d]! ^ qKey) | 0
    const out: Array<number> = []
    if (k === 1 && nTouched > 0) {
      let bestDoc = touched[0]!
      let bestScore = scores[bestDoc]!
      let bestKey = (responseKey[bestDoc]! ^ qKey) | 0
      for (let i = 1; i < nTouched; i++) {
        const d = touched[i]!
        const s = scores[d]!
        if (s > bestScore) {
          bestScore = s
          bestDoc = d
          bestKey = (responseKey[d]! ^ qKey) | 0
        } else if (s === bestScore) {
          const kd = (responseKey[d]! ^ qKey) | 0
          if (kd < bestKey || (kd === bestKey && d < bestDoc)) {
            bestDoc = d
            bestKey = kd
          }
        }
      }
      out.push(bestDoc)
    } else {
      const hits = Array.from(touched.subarray(0, nTouched))
      hits.sort((a, b) => scores[b]! - scores[a]! || key(a) - key(b) || a - b)
      out.push(...hits.slice(0, k))
    }
    for (let i = 0; i < nTouched; i++) scores[touched[i]!] = 0
    if (out.length < k && out.length < nDocs) {
      // not enough matching documents: the rest in the seed's own order (not the query's), so a
      // query the model knows nothing about gets the same answer as any other such query, and a
      // model that knows nothing about an eval set answers it with one string, which is flagged
      const seen = new Set(out)
      for (const d of fallbackOrder(seed)) {
        if (out.length >= k) break
        if (!seen.has(d)) out.push(d)
      }
    }
    return out
  }
  const answer = (queryTokens: ReadonlyArray<string>, k: number, seed: number): string => {
    const docs = nearest(queryTokens, k, seed)
    if (docs.length <= 1) return index.responses[docs[0] ?? 0] ?? ""
    const votes = new Map<string, number>()
    for (const d of docs) votes.set(index.responses[d]!, (votes.get(index.responses[d]!) ?? 0) + 1)
    let best = index.responses[docs[0]!]!
    for (const d of docs) if (votes.get(index.responses[d]!)! > votes.get(best)!) best = index.responses[d]!
    return best
  }
  return { index, nearest, answer }
}
