// Word interning shared by the metrics of one Scorer: each caption is tokenized once and
// turned into dense integer ids, so BLEU, METEOR, ROUGE-L and CIDEr-D compare numbers, and
// per-word work (lowercasing, stemming, WordNet lookups) is memoised by id.

export class Vocab {
  readonly words: Array<string> = []
  private readonly index = new Map<string, number>()

  id(word: string): number {
    let id = this.index.get(word)
    if (id === undefined) {
      id = this.words.length
      this.index.set(word, id)
      this.words.push(word)
    }
    return id
  }

  ids(words: ReadonlyArray<string>): Array<number> {
    const out = new Array<number>(words.length)
    for (let i = 0; i < words.length; i++) out[i] = this.id(words[i] as string)
    return out
  }

  get size(): number {
    return this.words.length
  }
}

/** A per-word memo table: an Int32Array indexed by word id, -1 for "not computed". */
export class IdMemo {
  data = new Int32Array(1024).fill(-1)
  get(id: number): number {
    return id < this.data.length ? (this.data[id] as number) : -1
  }
  set(id: number, v: number): void {
    if (id >= this.data.length) {
      let cap = this.data.length * 2
      while (cap <= id) cap *= 2
      const d = new Int32Array(cap).fill(-1)
      d.set(this.data)
      this.data = d
    }
    this.data[id] = v
  }
}
