// METEOR as NLTK's nltk.translate.meteor_score computes it (alpha 0.9, beta 3, gamma 0.5):
// align exact matches, then Porter stems, then WordNet synonyms (each stage on what the
// previous left, scanning hypothesis and reference from the end as NLTK does), count
// chunks, and take the max over references. Tokens are the COCO-tokenized caption split
// on whitespace. METEOR 1.5's paraphrase stage is not reproduced (see README.md).

import { porterStem } from "./porter.ts"
import type { WordNet } from "./wordnet.ts"

const ALPHA = 0.9
const BETA = 3
const GAMMA = 0.5

type Enum = Array<[number, string]>
type Match = [number, number]

/** NLTK _match_enums: greedy, last hypothesis word first, last reference word first. */
function matchEnums(hyp: Enum, ref: Enum, same: (h: string, r: string) => boolean, out: Array<Match>): void {
  for (let i = hyp.length - 1; i >= 0; i--) {
    const h = hyp[i] as [number, string]
    for (let j = ref.length - 1; j >= 0; j--) {
      const r = ref[j] as [number, string]
      if (same(h[1], r[1])) {
        out.push([h[0], r[0]])
        hyp.splice(i, 1)
        ref.splice(j, 1)
        break
      }
    }
  }
}

function countChunks(matches: ReadonlyArray<Match>): number {
  let chunks = 1
  for (let i = 0; i < matches.length - 1; i++) {
    const a = matches[i] as Match
    const b = matches[i + 1] as Match
    if (!(b[0] === a[0] + 1 && b[1] === a[1] + 1)) chunks++
  }
  return chunks
}

export class Meteor {
  private readonly wordnet: WordNet
  private readonly stems = new Map<string, string>()

  constructor(wordnet: WordNet) {
    this.wordnet = wordnet
  }

  private stem(w: string): string {
    let s = this.stems.get(w)
    if (s === undefined) {
      s = porterStem(w)
      this.stems.set(w, s)
    }
    return s
  }

  /** NLTK single_meteor_score on token arrays (already lowercased by the tokenizer;
   * lowercased again here as NLTK's preprocess=str.lower does). */
  single(hypothesis: ReadonlyArray<string>, reference: ReadonlyArray<string>): number {
    const hyp: Enum = hypothesis.map((w, i) => [i, w.toLowerCase()])
    const ref: Enum = reference.map((w, i) => [i, w.toLowerCase()])
    const translationLength = hyp.length
    const referenceLength = ref.length
    const matches: Array<Match> = []
    matchEnums(hyp, ref, (a, b) => a === b, matches)
    // The stem stage replaces the remaining words by their stems; the synonym stage then
    // looks up those stems (so "jeans" reaches WordNet as "jean").
    for (const e of hyp) e[1] = this.stem(e[1])
    for (const e of ref) e[1] = this.stem(e[1])
    matchEnums(hyp, ref, (a, b) => a === b, matches)
    matchEnums(hyp, ref, (h, r) => this.wordnet.synonyms(h).has(r), matches)
    matches.sort((a, b) => a[0] - b[0])
    const m = matches.length
    if (translationLength === 0 || referenceLength === 0 || m === 0) return 0
    const precision = m / translationLength
    const recall = m / referenceLength
    const fmean = (precision * recall) / (ALPHA * precision + (1 - ALPHA) * recall)
    const fragFrac = countChunks(matches) / m
    const penalty = GAMMA * fragFrac ** BETA
    return (1 - penalty) * fmean
  }

  /** NLTK meteor_score: max over references. */
  score(hypothesis: ReadonlyArray<string>, references: ReadonlyArray<ReadonlyArray<string>>): number {
    let best = -Infinity
    for (const r of references) best = Math.max(best, this.single(hypothesis, r))
    return best
  }
}
