// Where the scoring time goes, phase by phase, in process (JIT warm: each phase runs
// --reps times and the fastest is reported). Workload as score.bench.ts: 5,000 COCO val2017
// images, first caption candidate, next four references.
// Usage: node bench/metrics/phases.bench.ts [--reps 5]
import { readFileSync } from "node:fs"
import { bleuStatsIds } from "../../src/metrics/bleu.ts"
import { CiderCorpus } from "../../src/metrics/cider.ts"
import { CAPTION_METRICS, Scorer, type ScoreItem } from "../../src/metrics/index.ts"
import { decodeLine } from "../../src/metrics/jsonl.ts"
import { Meteor } from "../../src/metrics/meteor.ts"
import { rougeLTokens } from "../../src/metrics/rouge.ts"
import { CaptionIds } from "../../src/metrics/caption-ids.ts"
import { tokenWords } from "../../src/metrics/tokenizer.ts"
import { Vocab } from "../../src/metrics/vocab.ts"
import { loadWordNet } from "../../src/metrics/wordnet.ts"

const argv = process.argv.slice(2)
const i = argv.indexOf("--reps")
const REPS = i >= 0 ? Number(argv[i + 1]) : 5

const coco = JSON.parse(readFileSync(new URL("../../../shared/data/coco-captions-val2017/captions_val2017.json", import.meta.url), "utf8")) as {
  images: Array<{ id: number }>
  annotations: Array<{ image_id: number; caption: string }>
}
const byImage = new Map<number, Array<string>>()
for (const a of coco.annotations) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a.caption])
const items: Array<ScoreItem> = coco.images.map((im) => {
  const caps = byImage.get(im.id) as Array<string>
  return { id: String(im.id), candidate: caps[0] as string, references: caps.slice(1, 5) }
})
const lines = items.map((it) => JSON.stringify(it))

const time = (f: () => unknown): number => {
  let best = Infinity
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now()
    f()
    best = Math.min(best, performance.now() - t0)
  }
  return best
}

const t0 = performance.now()
const wn = loadWordNet("3.0")
const wordnetMs = performance.now() - t0
const vocab = new Vocab()
const toks = items.map((it) => [tokenWords(it.candidate), ...it.references.map(tokenWords)])
const ids = toks.map((caps) => caps.map((c) => vocab.ids(c)))
const empty = [vocab.id("")]
const split = (t: ReadonlyArray<number>): ReadonlyArray<number> => (t.length === 0 ? empty : t)

const rows: Array<[string, number]> = [
  ["wordnet load (first, in process)", wordnetMs],
  ["JSON.parse + check lines", time(() => lines.map(decodeLine))],
  ["tokenize, full tokenizer (25k captions)", time(() => items.map((it) => [tokenWords(it.candidate), ...it.references.map(tokenWords)]))],
  ["intern words", time(() => toks.map((caps) => caps.map((c) => vocab.ids(c))))],
  ["tokenize + intern, chunk memo (fresh)", time(() => {
    const c = new CaptionIds(new Vocab())
    for (const it of items) c.ids(it.candidate), it.references.map((r) => c.ids(r))
  })],
  ["bleu stats", time(() => ids.map((c) => bleuStatsIds(c[0] as Array<number>, c.slice(1))))],
  ["meteor (memo warm)", time(() => {
    const m = new Meteor(wn, vocab)
    for (const c of ids) m.scoreIds(c[0] as Array<number>, c.slice(1))
  })],
  ["rouge_l", time(() => ids.map((c) => rougeLTokens(split(c[0] as Array<number>), c.slice(1).map(split))))],
  ["cider add", time(() => {
    const cd = new CiderCorpus()
    for (const c of ids) cd.addIds(c[0] as Array<number>, c.slice(1))
  })],
  ["cider add + scores", time(() => {
    const cd = new CiderCorpus()
    for (const c of ids) cd.addIds(c[0] as Array<number>, c.slice(1))
    cd.scores()
  })],
  ["Scorer, all seven", time(() => new Scorer(CAPTION_METRICS).finishWith(items))],
]
for (const [k, v] of rows) console.log(`${k.padEnd(42)} ${v.toFixed(1).padStart(8)} ms  ${Math.round(items.length / (v / 1000)).toLocaleString("en").padStart(10)} items/s`)
