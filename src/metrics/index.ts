// The one scoring API of revo: items {id, candidate, references[]} in, per-item and corpus
// values out, for any subset of the caption metrics. Pure and synchronous at its core
// (`Scorer`, `scoreItems`); `scoreItemsAsync` takes an async iterable. The Effect wrapper
// lives in ./effect.ts so that plain callers (and the CLI's start-up) do not load Effect.
//
// Memory: items are consumed one at a time. What is kept: per-item values (one number per
// metric), BLEU's summed statistics, and, only when CIDEr is asked for, the items'
// captions as word ids plus interned n-gram document frequencies (see cider.ts).

import { BleuTotals, bleuStats, cocoBleuFromTotals, nltkBleuFromTotals, nltkDenominators, type NltkSmoothing } from "./bleu.ts"
import { CiderCorpus } from "./cider.ts"
import { Meteor } from "./meteor.ts"
import { rougeL } from "./rouge.ts"
import { tokenize } from "./tokenizer.ts"
import { loadWordNet, type WordNetVersion } from "./wordnet.ts"

export const ALL_METRICS = ["bleu1", "bleu2", "bleu3", "bleu4", "meteor", "rouge_l", "cider"] as const
export type MetricName = (typeof ALL_METRICS)[number]
export const DEFAULT_METRICS: ReadonlyArray<MetricName> = ["bleu4", "meteor", "rouge_l"]

export interface ScoreItem {
  readonly id: string
  readonly candidate: string
  readonly references: ReadonlyArray<string>
}

export interface ScoreOptions {
  /** WordNet for METEOR's synonym stage: "3.0" (NLTK's default, the default) or "3.1". */
  readonly wordnet?: WordNetVersion
  /** BLEU flavour: "coco" (default, pycocoevalcap) or NLTK's sentence_bleu / corpus_bleu. */
  readonly bleu?: "coco" | "nltk"
  /** Smoothing for bleu: "nltk" ("none" = NLTK method0, the default; or "method1", epsilon 0.1). */
  readonly nltkSmoothing?: NltkSmoothing
}

export type MetricValues = { -readonly [K in MetricName]?: number }
export type ItemScores = { readonly id: string } & MetricValues

export interface ScoreResult {
  readonly corpus: MetricValues
  readonly items: ReadonlyArray<ItemScores>
}

/** Columnar per-item values: one growable Float64Array per metric. */
class Column {
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
}

const splitWs = (s: string): Array<string> => (s === "" ? [] : s.split(" "))

/** Incremental scorer: `add` items in order, then `finish` once. */
export class Scorer {
  readonly metrics: ReadonlyArray<MetricName>
  private readonly want: ReadonlySet<MetricName>
  private readonly options: ScoreOptions
  private readonly ids: Array<string> = []
  private readonly cols = new Map<MetricName, Column>()
  private readonly bleu = new BleuTotals()
  private readonly nltkDen = [0, 0, 0, 0]
  private readonly meteor: Meteor | undefined
  private readonly cider: CiderCorpus | undefined
  private readonly wantBleu: boolean

  constructor(metrics: Iterable<MetricName> = ALL_METRICS, options: ScoreOptions = {}) {
    const set = new Set(metrics)
    this.metrics = ALL_METRICS.filter((m) => set.has(m))
    this.want = new Set(this.metrics)
    this.options = options
    for (const m of this.metrics) this.cols.set(m, new Column())
    this.wantBleu = this.metrics.some((m) => m.startsWith("bleu"))
    this.meteor = this.want.has("meteor") ? new Meteor(loadWordNet(options.wordnet ?? "3.0")) : undefined
    this.cider = this.want.has("cider") ? new CiderCorpus() : undefined
  }

  private put(m: MetricName, v: number): void {
    this.cols.get(m)?.push(v)
  }

  add(item: ScoreItem): void {
    if (item.references.length === 0) throw new RangeError(`item ${item.id}: no references`)
    this.ids.push(item.id)
    const cand = tokenize(item.candidate)
    const refs = item.references.map(tokenize)
    const candToks = splitWs(cand)
    const refToks = refs.map(splitWs)
    if (this.wantBleu) {
      const s = bleuStats(candToks, refToks)
      this.bleu.add(s)
      let per: Array<number>
      if (this.options.bleu === "nltk") {
        const den = nltkDenominators(s)
        for (let k = 0; k < 4; k++) this.nltkDen[k] = (this.nltkDen[k] as number) + (den[k] as number)
        per = nltkBleuFromTotals(s.testlen, s.reflen, den, s.correct, this.options.nltkSmoothing ?? "none")
      } else {
        per = cocoBleuFromTotals(s.testlen, s.reflen, s.guess, s.correct)
      }
      this.put("bleu1", per[0] as number)
      this.put("bleu2", per[1] as number)
      this.put("bleu3", per[2] as number)
      this.put("bleu4", per[3] as number)
    }
    if (this.meteor !== undefined) this.put("meteor", this.meteor.score(candToks, refToks))
    if (this.want.has("rouge_l")) this.put("rouge_l", rougeL(cand, refs))
    this.cider?.add(candToks, refToks)
  }

  get size(): number {
    return this.ids.length
  }

  /** Add every item of `items`, then finish. */
  finishWith(items: Iterable<ScoreItem>): ScoreResult {
    for (const it of items) this.add(it)
    return this.finish()
  }

  /** Corpus values and the per-item values in input order. */
  finish(): ScoreResult {
    if (this.cider !== undefined) {
      const col = this.cols.get("cider") as Column
      for (const v of this.cider.scores()) col.push(v)
    }
    const corpus: MetricValues = {}
    const n = this.ids.length
    if (this.wantBleu) {
      const b = this.options.bleu === "nltk"
        ? nltkBleuFromTotals(this.bleu.testlen, this.bleu.reflen, this.nltkDen, this.bleu.correct, this.options.nltkSmoothing ?? "none")
        : this.bleu.coco()
      ;(["bleu1", "bleu2", "bleu3", "bleu4"] as const).forEach((m, k) => {
        if (this.want.has(m)) corpus[m] = n === 0 ? 0 : (b[k] as number)
      })
    }
    for (const m of ["meteor", "rouge_l", "cider"] as const) {
      const col = this.cols.get(m)
      if (col === undefined) continue
      let sum = 0
      for (let i = 0; i < col.length; i++) sum += col.data[i] as number
      corpus[m] = n === 0 ? 0 : sum / n
    }
    const items: Array<ItemScores> = new Array(n)
    const cols = this.metrics.map((m) => [m, (this.cols.get(m) as Column).data] as const)
    for (let i = 0; i < n; i++) {
      const o: { id: string } & MetricValues = { id: this.ids[i] as string }
      for (const [m, d] of cols) o[m] = d[i] as number
      items[i] = o
    }
    return { corpus, items }
  }
}

/** Score a finite iterable of items. */
export function scoreItems(items: Iterable<ScoreItem>, metrics: Iterable<MetricName> = ALL_METRICS, options: ScoreOptions = {}): ScoreResult {
  return new Scorer(metrics, options).finishWith(items)
}

/** Score a stream of items (async iterable) without holding the inputs. */
export async function scoreItemsAsync(
  items: AsyncIterable<ScoreItem> | Iterable<ScoreItem>, metrics: Iterable<MetricName> = ALL_METRICS, options: ScoreOptions = {},
): Promise<ScoreResult> {
  const s = new Scorer(metrics, options)
  for await (const it of items) s.add(it)
  return s.finish()
}

export { tokenize } from "./tokenizer.ts"
export type { WordNetVersion } from "./wordnet.ts"
