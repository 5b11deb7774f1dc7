// The one scoring API of revo: items {id, candidate, references[]} in, per-item and corpus
// values out, for any subset of the metrics (caption metrics here and in IdMetrics, task
// metrics in TaskScores). Pure and synchronous at its core
// (`Scorer`, `scoreItems`); `scoreItemsAsync` takes an async iterable. The Effect wrapper
// lives in ./effect.ts so that plain callers (and the CLI's start-up) do not load Effect.
//
// Every caption is tokenized once into word ids (vocab.ts, caption-ids.ts); METEOR runs
// here, BLEU, ROUGE-L and CIDEr-D in IdMetrics, here or (option `thread`) on a worker.
//
// Memory: items are consumed one at a time. What is kept: per-item values (one number per
// metric), BLEU's summed statistics, the vocabulary and per-word memos, and, only when CIDEr
// is asked for, one n-gram id per caption word plus interned n-gram document frequencies
// (see cider.ts).

import type { ScoreItem } from "./score-item.ts"
import type { NltkSmoothing } from "./bleu.ts"
import { Column, IdMetrics, type IdMetricsConfig, type IdMetricsResult } from "./id-metrics.ts"
import { IdMetricsThread } from "./id-metrics-thread.ts"
import { Meteor } from "./meteor.ts"
import { CaptionIds } from "./caption-ids.ts"
import { Vocab } from "./vocab.ts"
import type { TaskScores } from "./task-scores.ts"
import { loadWordNet, type WordNetVersion } from "./wordnet.ts"
import { ALL_METRICS, CAPTION_METRICS, TASK_METRICS, type MetricName } from "../spec/metric-names.ts"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

/**
 * The task metrics of a Scorer, their module loaded only when one is asked for (`revo score`
 * with caption metrics, the common case, never loads it). require(): the constructor is
 * synchronous, and Node's compile cache serves the stripped module to require() too.
 */
const taskScoresFor = (metrics: ReadonlyArray<MetricName>): TaskScores | undefined =>
  metrics.some((m) => (TASK_METRICS as ReadonlyArray<string>).includes(m))
    ? (require("./task-scores.ts") as typeof import("./task-scores.ts")).TaskScores.for(metrics)
    : undefined

export { ALL_METRICS, CAPTION_METRICS, CORPUS_EXTRAS, DEFAULT_METRICS, TASK_METRICS, type MetricName } from "../spec/metric-names.ts"

export type { ScoreItem } from "./score-item.ts"

export interface ScoreOptions {
  /** WordNet for METEOR's synonym stage: "3.0" (NLTK's default, the default) or "3.1". */
  readonly wordnet?: WordNetVersion
  /** BLEU flavour: "coco" (default, pycocoevalcap) or NLTK's sentence_bleu / corpus_bleu. */
  readonly bleu?: "coco" | "nltk"
  /** Smoothing for bleu: "nltk" ("none" = NLTK method0, the default; or "method1", epsilon 0.1). */
  readonly nltkSmoothing?: NltkSmoothing
  /** Compute BLEU, ROUGE-L and CIDEr-D on a worker thread (same numbers), in parallel with
   * tokenization and METEOR; then only `finishAsync` may finish, or `close` release it. */
  readonly thread?: boolean
}

export type MetricValues = { -readonly [K in MetricName]?: number }
export type ItemScores = { readonly id: string } & MetricValues
/** Corpus values: one per metric, plus yes_no's precision, recall, F1 and yes-ratio
 * (CORPUS_EXTRAS) when yes_no is scored. */
export type CorpusValues = MetricValues & { [extra: string]: number }

export interface ScoreResult {
  readonly corpus: CorpusValues
  readonly items: ReadonlyArray<ItemScores>
}

/** Incremental scorer: `add` items in order, then `finish` (or `finishAsync`) once. */
export class Scorer {
  readonly metrics: ReadonlyArray<MetricName>
  private readonly want: ReadonlySet<MetricName>
  private readonly ids: Array<string> = []
  private readonly meteorCol = new Column()
  private readonly meteor: Meteor | undefined
  /** BLEU, ROUGE-L and CIDEr-D computed here, and those computed on a worker thread. */
  private readonly local: IdMetrics | undefined
  private readonly remote: IdMetricsThread | undefined
  /** Every caption is tokenized once and interned; all caption metrics work on word ids. */
  private readonly vocab = new Vocab()
  private readonly captions = new CaptionIds(this.vocab)
  /** Whether any caption metric is asked for (else nothing is tokenized). */
  private readonly tokens: boolean
  private readonly task: TaskScores | undefined

  constructor(metrics: Iterable<MetricName> = CAPTION_METRICS, options: ScoreOptions = {}) {
    const set = new Set(metrics)
    this.metrics = ALL_METRICS.filter((m) => set.has(m))
    this.want = new Set(this.metrics)
    this.tokens = this.metrics.some((m) => (CAPTION_METRICS as ReadonlyArray<string>).includes(m))
    this.task = taskScoresFor(this.metrics)
    const config: IdMetricsConfig = {
      bleu: this.metrics.some((m) => m.startsWith("bleu")),
      rouge: this.want.has("rouge_l"),
      cider: this.want.has("cider"),
      bleuFlavour: options.bleu ?? "coco",
      nltkSmoothing: options.nltkSmoothing ?? "none",
    }
    // With a thread, all three run there (measured: this balances the threads best); it is
    // started first so that it boots while WordNet loads.
    const any = config.bleu || config.rouge || config.cider
    this.remote = any && options.thread === true ? new IdMetricsThread(config) : undefined
    this.local = any && options.thread !== true ? new IdMetrics(config) : undefined
    try {
      this.meteor = this.want.has("meteor") ? new Meteor(loadWordNet(options.wordnet ?? "3.0"), this.vocab) : undefined
    } catch (e) {
      this.remote?.close()
      throw e
    }
  }

  add(item: ScoreItem): void {
    if (item.references.length === 0) throw new RangeError(`item ${item.id}: no references`)
    // Task metrics first: a malformed label throws before anything of the item is kept.
    this.task?.add(item)
    this.ids.push(item.id)
    if (!this.tokens) return
    const candToks = this.captions.ids(item.candidate)
    const refToks = item.references.map((r) => this.captions.ids(r))
    if (this.meteor !== undefined) this.meteorCol.push(this.meteor.scoreIds(candToks, refToks))
    this.local?.add(candToks, refToks)
    this.remote?.add(candToks, refToks)
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
    if (this.remote !== undefined) throw new Error("Scorer with thread: use finishAsync")
    return this.complete(this.local?.finish() ?? {})
  }

  /** As finish, waiting for the worker thread if there is one. */
  async finishAsync(): Promise<ScoreResult> {
    const remote = (await this.remote?.finish()) ?? {}
    return this.complete({ ...(this.local?.finish() ?? {}), ...remote })
  }

  /** Release the worker thread of a Scorer that will not be finished (a failed run);
   * without it, the thread keeps the process alive. */
  close(): void {
    this.remote?.close()
  }

  private complete(r: IdMetricsResult): ScoreResult {
    const n = this.ids.length
    const cols = new Map<MetricName, Float64Array>()
    const corpus: CorpusValues = {}
    ;(["bleu1", "bleu2", "bleu3", "bleu4"] as const).forEach((m, k) => {
      if (!this.want.has(m) || r.bleu === undefined || r.bleuCorpus === undefined) return
      cols.set(m, r.bleu[k] as Float64Array)
      corpus[m] = n === 0 ? 0 : (r.bleuCorpus[k] as number)
    })
    const means: Array<[MetricName, Float64Array | undefined]> = [
      ["meteor", this.meteor !== undefined ? this.meteorCol.values() : undefined],
      ["rouge_l", r.rouge],
      ["cider", r.cider],
    ]
    for (const [m, col] of means) {
      if (col === undefined) continue
      cols.set(m, col)
      let sum = 0
      for (let i = 0; i < n; i++) sum += col[i] as number
      corpus[m] = n === 0 ? 0 : sum / n
    }
    if (this.task !== undefined) {
      for (const [m, col] of this.task.columns()) cols.set(m, col)
      Object.assign(corpus, this.task.corpus())
    }
    const items: Array<ItemScores> = new Array(n)
    const order = this.metrics.map((m) => [m, cols.get(m) as Float64Array] as const)
    for (let i = 0; i < n; i++) {
      const o: { id: string } & MetricValues = { id: this.ids[i] as string }
      for (const [m, d] of order) o[m] = d[i] as number
      items[i] = o
    }
    return { corpus, items }
  }
}

/** Score a finite iterable of items. */
export function scoreItems(items: Iterable<ScoreItem>, metrics: Iterable<MetricName> = CAPTION_METRICS, options: ScoreOptions = {}): ScoreResult {
  return new Scorer(metrics, options).finishWith(items)
}

/** Score a stream of items (async iterable) without holding the inputs. */
export async function scoreItemsAsync(
  items: AsyncIterable<ScoreItem> | Iterable<ScoreItem>, metrics: Iterable<MetricName> = CAPTION_METRICS, options: ScoreOptions = {},
): Promise<ScoreResult> {
  const s = new Scorer(metrics, options)
  for await (const it of items) s.add(it)
  return s.finish()
}

export { tokenize } from "./tokenizer.ts"
export type { WordNetVersion } from "./wordnet.ts"
