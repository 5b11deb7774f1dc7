// METEOR as NLTK's nltk.translate.meteor_score computes it (alpha 0.9, beta 3, gamma 0.5):
// align exact matches, then Porter stems, then WordNet synonyms (each stage on what the
// previous left, scanning hypothesis and reference from the end as NLTK does), count
// chunks, and take the max over references. Tokens are the COCO-tokenized caption split
// on whitespace. METEOR 1.5's paraphrase stage is not reproduced (see README.md).
//
// Words are ids of a Vocab; lowercasing, stems and synonym sets are memoised per id, the
// hypothesis is prepared once per item, and the greedy alignment marks used positions
// instead of splicing lists (the same visiting order, so the same alignment).

import { porterStem } from "./porter.ts"
import { IdMemo, Vocab } from "./vocab.ts"
import type { WordNet } from "./wordnet.ts"

const ALPHA = 0.9
const BETA = 3
const GAMMA = 0.5

export class Meteor {
  private readonly wordnet: WordNet
  readonly vocab: Vocab
  private readonly lowerOf = new IdMemo()
  private readonly stemOf = new IdMemo()
  /** Per stem id: its WordNet word-list id + 1 (0: not in WordNet). */
  private readonly wnOf = new IdMemo()
  /** Per stem id: WordNet ids of its synonyms (see WordNet.synonymIds). */
  private readonly synOf: Array<ReadonlySet<number> | undefined> = []
  // Scratch. Hypothesis: lowercased ids and their stems, set once per item. Per reference
  // pass: lowercased ids, stems, used flags, and the reference position matched by each
  // hypothesis position.
  private hLow = new Int32Array(64)
  private hStem = new Int32Array(64)
  private rLow = new Int32Array(64)
  private rStem = new Int32Array(64)
  private hUsed = new Uint8Array(64)
  private rUsed = new Uint8Array(64)
  private matchOf = new Int32Array(64)

  constructor(wordnet: WordNet, vocab: Vocab = new Vocab()) {
    this.wordnet = wordnet
    this.vocab = vocab
  }

  /** NLTK's preprocess=str.lower (the tokenizer already lowercased, so nearly always id). */
  private lower(id: number): number {
    let l = this.lowerOf.get(id)
    if (l < 0) {
      l = this.vocab.id((this.vocab.words[id] as string).toLowerCase())
      this.lowerOf.set(id, l)
    }
    return l
  }

  private stem(id: number): number {
    let s = this.stemOf.get(id)
    if (s < 0) {
      s = this.vocab.id(porterStem(this.vocab.words[id] as string))
      this.stemOf.set(id, s)
    }
    return s
  }

  private wn(stem: number): number {
    let w = this.wnOf.get(stem)
    if (w < 0) {
      w = this.wordnet.wordId(this.vocab.words[stem] as string) + 1
      this.wnOf.set(stem, w)
    }
    return w - 1
  }

  private synonyms(stem: number): ReadonlySet<number> {
    let s = this.synOf[stem]
    if (s === undefined) {
      s = this.wordnet.synonymIds(this.vocab.words[stem] as string)
      while (this.synOf.length < stem) this.synOf.push(undefined)
      this.synOf[stem] = s
    }
    return s
  }

  /** Grow the scratch buffers to `n` positions. Only ever called before the hypothesis is
   * loaded (setHypothesis): growing re-allocates hLow/hStem too, which would wipe it. */
  private scratch(n: number): void {
    if (n > this.hLow.length) {
      const cap = 2 * n
      this.hLow = new Int32Array(cap)
      this.hStem = new Int32Array(cap)
      this.rLow = new Int32Array(cap)
      this.rStem = new Int32Array(cap)
      this.hUsed = new Uint8Array(cap)
      this.rUsed = new Uint8Array(cap)
      this.matchOf = new Int32Array(cap)
    }
  }

  private setHypothesis(hypothesis: ReadonlyArray<number>): void {
    for (let i = 0; i < hypothesis.length; i++) {
      const l = this.lower(hypothesis[i] as number)
      this.hLow[i] = l
      this.hStem[i] = this.stem(l)
    }
  }

  /** single_meteor_score of the hypothesis set by setHypothesis (length hl); the scratch
   * buffers already hold the reference's length (see scratch). */
  private single(hl: number, reference: ReadonlyArray<number>): number {
    const rl = reference.length
    const { hLow, hStem, rLow, rStem, hUsed, rUsed, matchOf } = this
    for (let i = 0; i < hl; i++) {
      hUsed[i] = 0
      matchOf[i] = -1
    }
    for (let j = 0; j < rl; j++) {
      const l = this.lower(reference[j] as number)
      rLow[j] = l
      rStem[j] = this.stem(l)
      rUsed[j] = 0
    }
    // NLTK _match_enums: last hypothesis word first, each taking the last unused matching
    // reference word. Stage 1: equal words; stage 2: the remaining words by their Porter stems.
    let m = equalStage(hl, rl, hLow, rLow, hUsed, rUsed, matchOf)
    m += equalStage(hl, rl, hStem, rStem, hUsed, rUsed, matchOf)
    // Stage 3: the reference stem is the hypothesis stem or one of the lemma names of its
    // WordNet synsets (NLTK looks up the stems, so "jeans" reaches WordNet as "jean").
    for (let i = hl - 1; i >= 0; i--) {
      if (hUsed[i] !== 0) continue
      const h = hStem[i] as number
      let syn: ReadonlySet<number> | undefined
      for (let j = rl - 1; j >= 0; j--) {
        if (rUsed[j] !== 0) continue
        const r = rStem[j] as number
        let same = r === h
        if (!same) {
          const w = this.wn(r)
          if (w >= 0) same = (syn ??= this.synonyms(h)).has(w)
        }
        if (same) {
          hUsed[i] = rUsed[j] = 1
          matchOf[i] = j
          m++
          break
        }
      }
    }
    if (hl === 0 || rl === 0 || m === 0) return 0
    // Chunks: runs of matches adjacent in both hypothesis and reference, in hypothesis order.
    let chunks = 1
    let prevI = -2
    let prevJ = -2
    let first = true
    for (let i = 0; i < hl; i++) {
      const j = matchOf[i] as number
      if (j < 0) continue
      if (!first && !(i === prevI + 1 && j === prevJ + 1)) chunks++
      first = false
      prevI = i
      prevJ = j
    }
    const precision = m / hl
    const recall = m / rl
    const fmean = (precision * recall) / (ALPHA * precision + (1 - ALPHA) * recall)
    const fragFrac = chunks / m
    const penalty = GAMMA * fragFrac ** BETA
    return (1 - penalty) * fmean
  }

  /** NLTK single_meteor_score on word ids. */
  singleIds(hypothesis: ReadonlyArray<number>, reference: ReadonlyArray<number>): number {
    this.scratch(Math.max(hypothesis.length, reference.length))
    this.setHypothesis(hypothesis)
    return this.single(hypothesis.length, reference)
  }

  /** NLTK meteor_score on word ids: max over references. */
  scoreIds(hypothesis: ReadonlyArray<number>, references: ReadonlyArray<ReadonlyArray<number>>): number {
    let n = hypothesis.length
    for (const r of references) n = Math.max(n, r.length)
    this.scratch(n)
    this.setHypothesis(hypothesis)
    let best = -Infinity
    for (const r of references) best = Math.max(best, this.single(hypothesis.length, r))
    return best
  }

  /** NLTK single_meteor_score on token arrays. */
  singleWords(hypothesis: ReadonlyArray<string>, reference: ReadonlyArray<string>): number {
    return this.singleIds(this.vocab.ids(hypothesis), this.vocab.ids(reference))
  }

  /** NLTK meteor_score on token arrays: max over references. */
  score(hypothesis: ReadonlyArray<string>, references: ReadonlyArray<ReadonlyArray<string>>): number {
    return this.scoreIds(this.vocab.ids(hypothesis), references.map((r) => this.vocab.ids(r)))
  }
}

/** One exact-match stage of NLTK's greedy alignment over word ids (`h`, `r`); returns the matches. */
const equalStage = (
  hl: number, rl: number, h: Int32Array, r: Int32Array, hUsed: Uint8Array, rUsed: Uint8Array, matchOf: Int32Array
): number => {
  let m = 0
  for (let i = hl - 1; i >= 0; i--) {
    if (hUsed[i] !== 0) continue
    const w = h[i] as number
    for (let j = rl - 1; j >= 0; j--) {
      if (rUsed[j] === 0 && r[j] === w) {
        hUsed[i] = rUsed[j] = 1
        matchOf[i] = j
        m++
        break
      }
    }
  }
  return m
}
