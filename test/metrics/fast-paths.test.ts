// The speed paths against the plain ones they replace, on the 25,000 real COCO val2017
// captions plus the fixture captions: chunk-memoised caption ids against the tokenizer,
// BLEU's run-length clipped counts against n-gram maps (integers: must be equal), and
// BLEU, ROUGE-L and CIDEr-D on a worker thread against the main thread (the same bits).
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { it } from "node:test"
import { directCorrect, keyedCorrect } from "../../src/metrics/bleu.ts"
import { CaptionIds } from "../../src/metrics/caption-ids.ts"
import { CAPTION_METRICS, Scorer } from "../../src/metrics/index.ts"
import { tokenWords } from "../../src/metrics/tokenizer.ts"
import { Vocab } from "../../src/metrics/vocab.ts"

const coco = JSON.parse(readFileSync(new URL("../../../shared/data/coco-captions-val2017/captions_val2017.json", import.meta.url), "utf8")) as {
  annotations: Array<{ image_id: number; caption: string }>
}
const cases = JSON.parse(readFileSync(new URL("../../../shared/metrics-fixtures/cases.json", import.meta.url), "utf8")) as {
  cases: Array<{ candidate: string; references: Array<string> }>
}
const texts = [
  ...coco.annotations.map((a) => a.caption),
  ...cases.cases.flatMap((c) => [c.candidate, ...c.references]),
  // Rules that look at a neighbour: sentence-final abbreviations, quotes, &amp;, numbers.
  "He said etc. Then etc. and Inc.", "a \"quote\" (x) [y] 'tis dogs' --- ... ?! &amp; &AMP;x",
  "10,000 1/2 3:30 U.S. Mr. Dr. e.g. cannot gonna don't it's", "tab\there\u000bvertical \ufeffbom caf\u00e9",
]

it("CaptionIds gives the tokenizer's words for every caption", () => {
  const vocab = new Vocab()
  const ids = new CaptionIds(vocab)
  for (const t of texts) {
    const want = tokenWords(t)
    assert.deepEqual(ids.ids(t).map((i) => vocab.words[i]), want, t)
    assert.deepEqual(ids.ids(t).map((i) => vocab.words[i]), want, `${t} (memoised)`)
  }
})

it("BLEU clipped counts: run lengths equal n-gram maps on every COCO image", () => {
  const vocab = new Vocab()
  const ids = new CaptionIds(vocab)
  const byImage = new Map<number, Array<Array<number>>>()
  for (const a of coco.annotations) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), ids.ids(a.caption)])
  // Repetitive captions stress the first-occurrence and clipping logic.
  const rep = (s: string): Array<number> => ids.ids(s)
  const items = [...byImage.values(), [rep("a a a a b a a"), rep("a a b a"), rep("a a a a a a a a"), rep("")], [rep(""), rep("a")]]
  let n = 0
  for (const caps of items) {
    for (let c = 0; c < caps.length; c++) {
      const refs = caps.filter((_, k) => k !== c)
      assert.deepEqual(directCorrect(caps[c] as Array<number>, refs), keyedCorrect(caps[c] as Array<number>, refs))
      n++
    }
  }
  assert.ok(n > 25000)
})

it("BLEU, ROUGE-L and CIDEr-D on a worker thread give the same bits as on the main thread", async () => {
  const byImage = new Map<number, Array<string>>()
  for (const a of coco.annotations.slice(0, 6000)) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a.caption])
  const items = [...byImage.entries()].filter(([, c]) => c.length >= 2).map(([id, c]) => ({ id: String(id), candidate: c[0] as string, references: c.slice(1) }))
  items.push({ id: "empty", candidate: "", references: ["", "a dog"] })
  const plain = new Scorer(CAPTION_METRICS).finishWith(items)
  const threaded = new Scorer(CAPTION_METRICS, { thread: true })
  for (const it of items) threaded.add(it)
  assert.throws(() => threaded.finish(), /finishAsync/)
  const got = await threaded.finishAsync()
  assert.ok(items.length > 1000)
  assert.deepEqual(got, plain)
})
