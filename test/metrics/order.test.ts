// Per-item values must not depend on what else is scored in the same call. Every caption
// fixture (../shared/metrics-fixtures: the long answers and the COCO/edge cases) is scored in
// file order, reversed, shuffled (seeded), one item at a time, in batches, on one thread and
// on two, and through `revo score`; each item's values must be bit-identical across all of
// them and within 1e-9 relative of the reference toolkits. CIDEr-D alone is compared only
// where the whole corpus is scored (its document frequencies come from the corpus).
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { shuffled } from "../support/seeded-shuffle.ts"
import { CAPTION_METRICS, Scorer, type ItemScores, type MetricName, type ScoreItem } from "../../src/metrics/index.ts"

const dir = new URL("../../../shared/metrics-fixtures/", import.meta.url)
const read = (f: string) => JSON.parse(readFileSync(new URL(f, dir), "utf8"))
const bin = new URL("../../bin/revo.js", import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), "revo-order-test-"))
after(() => rmSync(tmp, { recursive: true, force: true }))

type Expected = Record<string, Partial<Record<MetricName, number>>>
type CaptionValues = Record<(typeof CAPTION_METRICS)[number], number>

/** Each fixture corpus: its items in file order and the reference values per item id. */
const corpora = (): Array<{ name: string; items: Array<ScoreItem>; expected: Expected; corpus: Partial<Record<MetricName, number>> }> => {
  const long = read("long-cases.json") as { cases: Array<ScoreItem> }
  const longExp = read("long-expected.json") as { corpus: { long: CaptionValues }; items: Expected }
  const out = [{ name: "long", items: long.cases.map(({ id, candidate, references }) => ({ id, candidate, references })), expected: longExp.items, corpus: longExp.corpus.long }]
  const cases = read("cases.json") as { corpora: Record<string, Array<string>>; cases: Array<ScoreItem> }
  const exp = read("expected.json")
  const byId = new Map(cases.cases.map((c) => [c.id, c]))
  for (const [name, ids] of Object.entries(cases.corpora)) {
    const expected: Expected = {}
    for (const id of ids) {
      const e = exp.per_case[id]
      expected[id] = {
        bleu1: e.coco_bleu.bleu_1, bleu2: e.coco_bleu.bleu_2, bleu3: e.coco_bleu.bleu_3, bleu4: e.coco_bleu.bleu_4,
        meteor: e.nltk_meteor["wordnet_3.0"], rouge_l: e.coco_rouge_l, cider: e.coco_cider_d,
      }
    }
    const pc = exp.per_corpus[name]
    const corpus = {
      bleu1: pc.coco_bleu.bleu_1, bleu2: pc.coco_bleu.bleu_2, bleu3: pc.coco_bleu.bleu_3, bleu4: pc.coco_bleu.bleu_4,
      meteor: pc.nltk_meteor_mean["wordnet_3.0"], rouge_l: pc.coco_rouge_l, cider: pc.coco_cider_d,
    }
    out.push({ name, items: ids.map((id) => { const c = byId.get(id)!; return { id, candidate: c.candidate, references: c.references } }), expected, corpus })
  }
  return out
}

const close = (got: number | undefined, want: number, what: string): void => {
  assert.ok(got !== undefined, `${what}: missing`)
  assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(Math.abs(got), Math.abs(want)), `${what}: got ${got}, want ${want}`)
}

const byItem = (items: ReadonlyArray<ItemScores>): Map<string, ItemScores> => new Map(items.map((x) => [x.id, x]))
const ORDER_FREE = CAPTION_METRICS.filter((m) => m !== "cider")

/** Scoring runs of one corpus: name, whether it is the whole corpus (CIDEr-D comparable), per-item values. */
const runs = async (items: ReadonlyArray<ScoreItem>): Promise<Array<{ how: string; whole: boolean; values: Map<string, ItemScores> }>> => {
  const whole = (xs: ReadonlyArray<ScoreItem>) => byItem(new Scorer(CAPTION_METRICS).finishWith(xs).items)
  const threaded = async (xs: ReadonlyArray<ScoreItem>) => {
    const s = new Scorer(CAPTION_METRICS, { thread: true })
    for (const x of xs) s.add(x)
    return byItem((await s.finishAsync()).items)
  }
  const batches = (size: number): Map<string, ItemScores> => {
    const out = new Map<string, ItemScores>()
    for (let i = 0; i < items.length; i += size) for (const [k, v] of whole(items.slice(i, i + size))) out.set(k, v)
    return out
  }
  // One Scorer for the whole list, fed one item at a time in reverse then asked again: a
  // reused Scorer (its memos and scratch buffers) must not carry one item into the next.
  return [
    { how: "file order", whole: true, values: whole(items) },
    { how: "reversed", whole: true, values: whole([...items].reverse()) },
    { how: "shuffled (seed 12)", whole: true, values: whole(shuffled(items, 12)) },
    { how: "shuffled (seed 99), two threads", whole: true, values: await threaded(shuffled(items, 99)) },
    { how: "file order, two threads", whole: true, values: await threaded(items) },
    { how: "one at a time", whole: false, values: batches(1) },
    { how: "batches of 7", whole: false, values: batches(7) },
    { how: "reversed batches of 16, two threads", whole: false, values: await (async () => {
      const out = new Map<string, ItemScores>()
      const rev = [...items].reverse()
      for (let i = 0; i < rev.length; i += 16) for (const [k, v] of await threaded(rev.slice(i, i + 16))) out.set(k, v)
      return out
    })() },
  ]
}

describe("caption metrics do not depend on item order", () => {
  for (const c of corpora()) {
    it(`${c.name} (${c.items.length} items): every order, batch size and thread count gives the same bits and the reference values`, async () => {
      const all = await runs(c.items)
      const base = all[0]!
      for (const id of c.items.map((x) => x.id)) {
        const want = c.expected[id]!
        for (const r of all) {
          const got = r.values.get(id)
          assert.ok(got !== undefined, `${r.how}: ${id} missing`)
          for (const m of r.whole ? CAPTION_METRICS : ORDER_FREE) {
            close(got[m], want[m] as number, `${c.name} ${r.how} ${id} ${m}`)
            assert.equal(Object.is(got[m], base.values.get(id)![m]), true, `${c.name} ${r.how} ${id} ${m}: ${got[m]} differs from file order's ${base.values.get(id)![m]}`)
          }
        }
      }
      // Corpus values of the whole corpus, in file order and reversed.
      for (const xs of [c.items, [...c.items].reverse()]) {
        const r = new Scorer(CAPTION_METRICS).finishWith(xs)
        for (const m of CAPTION_METRICS) close(r.corpus[m], c.corpus[m] as number, `${c.name} corpus ${m}`)
      }
    })
  }

  it("`revo score` (one thread and two) gives the same bits in file order and reversed, and the reference values", () => {
    const { items, expected } = corpora()[0]!
    const outs: Array<Map<string, ItemScores>> = []
    for (const [k, xs] of [items, [...items].reverse()].entries()) {
      const input = join(tmp, `long-${k}.jsonl`)
      writeFileSync(input, xs.map((x) => JSON.stringify(x)).join("\n") + "\n")
      for (const threads of ["1", "2"]) {
        const r = spawnSync(process.execPath, [bin, "score", "--input", input, "--metrics", CAPTION_METRICS.join(",")], {
          encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, REVO_SCORE_THREADS: threads },
        })
        assert.equal(r.status, 0, r.stderr)
        outs.push(byItem(JSON.parse(r.stdout).items))
      }
    }
    for (const x of items) {
      for (const o of outs) {
        for (const m of CAPTION_METRICS) {
          close(o.get(x.id)![m], expected[x.id]![m] as number, `revo score ${x.id} ${m}`)
          assert.ok(Object.is(o.get(x.id)![m], outs[0]!.get(x.id)![m]), `revo score ${x.id} ${m} differs between runs`)
        }
      }
    }
  })
})
