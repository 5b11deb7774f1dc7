// The metrics that need nothing but word ids: BLEU (COCO or NLTK), ROUGE-L and CIDEr-D.
// One class so that they can run on the main thread or, for the CLI, together on a worker
// thread (id-metrics-thread.ts) while the main thread tokenizes and scores METEOR. Items
// are added in input order in both places, by the same code, so the numbers are the same.

import { BleuTotals, bleuStatsIds, cocoBleuFromTotals, nltkBleuFromTotals, nltkDenominators, type NltkSmoothing } from "./bleu.ts"
import { CiderCorpus, ciderScores, type CiderTables } from "./cider.ts"
import { rougeLTokens } from "./rouge.ts"

export interface IdMetricsConfig {
  readonly bleu: boolean
  readonly rouge: boolean
  readonly cider: boolean
  /** BLEU flavour: "coco" (pycocoevalcap) or NLTK's, with its smoothing. */
  readonly bleuFlavour: "coco" | "nltk"
  readonly nltkSmoothing: NltkSmoothing
}

export interface IdMetricsResult {
  /** Per-item BLEU-1..4 (four columns), when asked for. */
  readonly bleu?: ReadonlyArray<Float64Array>
  /** Corpus BLEU-1..4 from the summed statistics. */
  readonly bleuCorpus?: ReadonlyArray<number>
  readonly rouge?: Float64Array
  readonly cider?: Float64Array
}

/** A growable Float64Array. */
export class Column {
  data = new Float64Array(1024)
  length = 0
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2)
      d.set(this.data)
      this.data = d
    }
    this.data[this.length++] = v
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length)
  }
}

// ROUGE-L splits an empty caption into one empty token: an id no word has.
const EMPTY_TOKEN: ReadonlyArray<number> = [-1]
const asSplit = (t: ReadonlyArray<number>): ReadonlyArray<number> => (t.length === 0 ? EMPTY_TOKEN : t)

export class IdMetrics {
  private readonly config: IdMetricsConfig
  private readonly bleuCols: Array<Column> | undefined
  private readonly totals = new BleuTotals()
  private readonly nltkDen = [0, 0, 0, 0]
  private readonly rouge: Column | undefined
  private readonly cider: CiderCorpus | undefined

  constructor(config: IdMetricsConfig) {
    this.config = config
    this.bleuCols = config.bleu ? [new Column(), new Column(), new Column(), new Column()] : undefined
    this.rouge = config.rouge ? new Column() : undefined
    this.cider = config.cider ? new CiderCorpus() : undefined
  }

  add(candidate: ReadonlyArray<number>, references: ReadonlyArray<ReadonlyArray<number>>): void {
    if (this.bleuCols !== undefined) {
      const s = bleuStatsIds(candidate, references)
      this.totals.add(s)
      let per: Array<number>
      if (this.config.bleuFlavour === "nltk") {
        const den = nltkDenominators(s)
        for (let k = 0; k < 4; k++) this.nltkDen[k] = (this.nltkDen[k] as number) + (den[k] as number)
        per = nltkBleuFromTotals(s.testlen, s.reflen, den, s.correct, this.config.nltkSmoothing)
      } else {
        per = cocoBleuFromTotals(s.testlen, s.reflen, s.guess, s.correct)
      }
      for (let k = 0; k < 4; k++) (this.bleuCols[k] as Column).push(per[k] as number)
    }
    this.rouge?.push(rougeLTokens(asSplit(candidate), references.map(asSplit)))
    this.cider?.addIds(candidate, references)
  }

  /** CIDEr-D's complete corpus (no more adds), for scoring a range of it elsewhere. */
  ciderTables(): CiderTables | undefined {
    return this.cider?.tables()
  }

  /** The results; with `ciderFrom`, CIDEr-D values of the items before it are left 0 (the
   * caller scores them from ciderTables() and fills them in). */
  finish(ciderFrom = 0): IdMetricsResult {
    const t = this.totals
    return {
      ...(this.bleuCols !== undefined
        ? {
            bleu: this.bleuCols.map((c) => c.values()),
            bleuCorpus: this.config.bleuFlavour === "nltk"
              ? nltkBleuFromTotals(t.testlen, t.reflen, this.nltkDen, t.correct, this.config.nltkSmoothing)
              : t.coco(),
          }
        : {}),
      ...(this.rouge !== undefined ? { rouge: this.rouge.values() } : {}),
      ...(this.cider !== undefined ? { cider: this.ciderFrom(this.cider, ciderFrom) } : {}),
    }
  }

  private ciderFrom(cider: CiderCorpus, from: number): Float64Array {
    if (from === 0) return cider.scores()
    const out = new Float64Array(cider.size)
    out.set(ciderScores(cider.tables(), from, cider.size), from)
    return out
  }
}
