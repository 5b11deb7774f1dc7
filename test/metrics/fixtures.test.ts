// Every fixture case, per item and per corpus, against the numbers pycocoevalcap and NLTK
// produced (../shared/metrics-fixtures), to 1e-9 relative; tokens exactly.
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { describe, it } from "node:test"
import { bleuStats, nltkSentenceBleu, BleuTotals } from "../../src/metrics/bleu.ts"
import { Scorer, type ItemScores, type ScoreItem } from "../../src/metrics/index.ts"
import { ptbRaw, tokenize } from "../../src/metrics/tokenizer.ts"

const dir = new URL("../../../shared/metrics-fixtures/", import.meta.url)
const cases = JSON.parse(readFileSync(new URL("cases.json", dir), "utf8")) as {
  corpora: Record<string, Array<string>>
  cases: Array<ScoreItem & { corpus: string }>
}
const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8"))
const byId = new Map(cases.cases.map((c) => [c.id, c]))

function close(actual: number | undefined, want: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: missing`)
  const scale = Math.max(Math.abs(actual), Math.abs(want))
  assert.ok(Math.abs(actual - want) <= 1e-9 * scale, `${what}: got ${actual}, want ${want}`)
}

const splitWs = (s: string): Array<string> => (s === "" ? [] : s.split(" "))

describe("tokenizer", () => {
  it("reproduces the PTB output and the filtered tokens of every caption", () => {
    let n = 0
    for (const c of cases.cases) {
      const t = expected.tokenized[c.id]
      assert.equal(ptbRaw(c.candidate), t.candidate_ptb_raw, `${c.id} candidate raw`)
      assert.equal(tokenize(c.candidate), t.candidate, `${c.id} candidate`)
      c.references.forEach((r, k) => {
        assert.equal(ptbRaw(r), t.references_ptb_raw[k], `${c.id} ref ${k} raw`)
        assert.equal(tokenize(r), t.references[k], `${c.id} ref ${k}`)
      })
      n += 1 + c.references.length
    }
    assert.equal(n, 878)
  })
})

for (const [corpus, ids] of Object.entries(cases.corpora)) {
  const items = ids.map((id) => byId.get(id) as ScoreItem)
  const pc = expected.per_corpus[corpus]
  describe(`corpus ${corpus} (${ids.length} cases)`, () => {
    it("COCO BLEU statistics, per item and summed", () => {
      const totals = new BleuTotals()
      for (const it of items) {
        const t = expected.tokenized[it.id]
        const s = bleuStats(splitWs(t.candidate), t.references.map(splitWs))
        const want = expected.per_case[it.id].coco_bleu.stats
        assert.deepEqual(
          { testlen: s.testlen, ref_lens: s.refLens, reflen_closest: s.reflen, guess: s.guess, correct: s.correct },
          want, it.id,
        )
        totals.add(s)
      }
      assert.deepEqual({ testlen: totals.testlen, reflen: totals.reflen, guess: totals.guess, correct: totals.correct }, pc.coco_bleu_totals)
    })

    it("COCO BLEU-1..4, ROUGE-L, CIDEr-D per item and per corpus", () => {
      const r = new Scorer(["bleu1", "bleu2", "bleu3", "bleu4", "rouge_l", "cider"]).finishWith(items)
      r.items.forEach((got: ItemScores, i: number) => {
        const id = ids[i] as string
        const e = expected.per_case[id]
        assert.equal(got.id, id)
        for (let k = 1; k <= 4; k++) close(got[`bleu${k}` as "bleu1"], e.coco_bleu[`bleu_${k}`], `${id} bleu${k}`)
        close(got.rouge_l, e.coco_rouge_l, `${id} rouge_l`)
        close(got.cider, e.coco_cider_d, `${id} cider`)
      })
      for (let k = 1; k <= 4; k++) close(r.corpus[`bleu${k}` as "bleu1"], pc.coco_bleu[`bleu_${k}`], `corpus bleu${k}`)
      close(r.corpus.rouge_l, pc.coco_rouge_l, "corpus rouge_l")
      close(r.corpus.cider, pc.coco_cider_d, "corpus cider")
    })

    for (const smoothing of ["none", "method1"] as const) {
      it(`NLTK sentence_bleu and corpus_bleu, smoothing ${smoothing}`, () => {
        for (const it of items) {
          const t = expected.tokenized[it.id]
          const got = nltkSentenceBleu(bleuStats(splitWs(t.candidate), t.references.map(splitWs)), smoothing)
          const want = expected.per_case[it.id].nltk_sentence_bleu[smoothing] as Array<number>
          want.forEach((w, k) => close(got[k], w, `${it.id} nltk bleu${k + 1} ${smoothing}`))
        }
        const r = new Scorer(["bleu1", "bleu2", "bleu3", "bleu4"], { bleu: "nltk", nltkSmoothing: smoothing }).finishWith(items)
        const want = pc.nltk_corpus_bleu[smoothing] as Array<number>
        want.forEach((w, k) => close(r.corpus[`bleu${k + 1}` as "bleu1"], w, `corpus nltk bleu${k + 1}`))
        r.items.forEach((got: ItemScores, i: number) => {
          const w = expected.per_case[ids[i] as string].nltk_sentence_bleu[smoothing] as Array<number>
          close(got.bleu4, w[3] as number, `${ids[i]} item nltk bleu4`)
        })
      })
    }

    for (const version of ["3.0", "3.1"] as const) {
      it(`NLTK METEOR with WordNet ${version}`, () => {
        const r = new Scorer(["meteor"], { wordnet: version }).finishWith(items)
        r.items.forEach((got: ItemScores, i: number) => {
          const id = ids[i] as string
          close(got.meteor, expected.per_case[id].nltk_meteor[`wordnet_${version}`], `${id} meteor ${version}`)
        })
        close(r.corpus.meteor, pc.nltk_meteor_mean[`wordnet_${version}`], `corpus meteor ${version}`)
      })
    }
  })
}
