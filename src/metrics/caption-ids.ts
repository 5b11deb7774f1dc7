// Captions to word ids, fast: the COCO tokenization of a plain-ASCII caption is the
// concatenation of the tokenizations of its space-separated chunks (no PTB rule crosses a
// space: the one lookahead that does, the sentence-final "." after "etc.", only adds a "."
// that the punctuation filter drops; "&amp;" cannot span a space). Chunks repeat a lot, so
// each chunk's ids are memoised, in a table probed with the caption's own characters (a
// chunk seen before costs no string allocation). Anything else (non-ASCII, tabs, controls,
// whose deletion can join chunks) takes the full tokenizer.

import { tokenWords } from "./tokenizer.ts"
import type { Vocab } from "./vocab.ts"

const MEMO_LIMIT = 1 << 19 // chunks; past it the memo starts over (bounds memory)

export class CaptionIds {
  readonly vocab: Vocab
  // Open addressing: hash, chunk text and ids per slot; load kept under one half.
  private hashes = new Int32Array(1 << 12)
  private keys: Array<string | undefined> = new Array<string | undefined>(1 << 12).fill(undefined)
  private values: Array<ReadonlyArray<number> | undefined> = new Array<ReadonlyArray<number> | undefined>(1 << 12).fill(undefined)
  private size = 0

  constructor(vocab: Vocab) {
    this.vocab = vocab
  }

  /** The ids of tokenWords(text), in order. */
  ids(text: string): Array<number> {
    const out: Array<number> = []
    const n = text.length
    let start = -1
    let h = 0
    for (let i = 0; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : 32
      if (c === 32) {
        if (start >= 0) {
          this.chunk(text, start, i, h, out)
          start = -1
        }
      } else if (c < 32 || c > 126) {
        return this.vocab.ids(tokenWords(text))
      } else {
        if (start < 0) {
          start = i
          h = 0x811c9dc5 | 0
        }
        h = Math.imul(h ^ c, 0x01000193)
      }
    }
    return out
  }

  private chunk(text: string, start: number, end: number, h: number, out: Array<number>): void {
    const mask = this.hashes.length - 1
    const len = end - start
    let s = h & mask
    while (true) {
      const key = this.keys[s]
      if (key === undefined) break
      if (this.hashes[s] === h && key.length === len) {
        let same = true
        for (let k = 0; k < len; k++) {
          if (key.charCodeAt(k) !== text.charCodeAt(start + k)) {
            same = false
            break
          }
        }
        if (same) {
          const ids = this.values[s] as ReadonlyArray<number>
          for (let k = 0; k < ids.length; k++) out.push(ids[k] as number)
          return
        }
      }
      s = (s + 1) & mask
    }
    const chunk = text.slice(start, end)
    const ids = this.vocab.ids(tokenWords(chunk))
    for (let k = 0; k < ids.length; k++) out.push(ids[k] as number)
    if (this.size >= MEMO_LIMIT) {
      this.reset(this.hashes.length)
      s = h & mask
    } else if (2 * (this.size + 1) > this.hashes.length) {
      this.grow()
      s = this.free(h)
    }
    this.hashes[s] = h
    this.keys[s] = chunk
    this.values[s] = ids
    this.size++
  }

  private free(h: number): number {
    const mask = this.hashes.length - 1
    let s = h & mask
    while (this.keys[s] !== undefined) s = (s + 1) & mask
    return s
  }

  private reset(capacity: number): void {
    this.hashes = new Int32Array(capacity)
    this.keys = new Array<string | undefined>(capacity).fill(undefined)
    this.values = new Array<ReadonlyArray<number> | undefined>(capacity).fill(undefined)
    this.size = 0
  }

  private grow(): void {
    const { hashes, keys, values } = this
    this.reset(2 * hashes.length)
    for (let i = 0; i < hashes.length; i++) {
      const key = keys[i]
      if (key === undefined) continue
      const s = this.free(hashes[i] as number)
      this.hashes[s] = hashes[i] as number
      this.keys[s] = key
      this.values[s] = values[i]
      this.size++
    }
  }
}
