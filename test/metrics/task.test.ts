// Task metrics against the reference scripts' values (../shared/metrics-fixtures/task-*.json:
// VQA vqaEval.py, LLaVA eval_pope.py and the LLaVA-1.5 ScienceQA rule), exactly, per item and
// per corpus, in file order, reversed, shuffled, one at a time and through `revo score`.
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { Scorer, TASK_METRICS, type ItemScores, type MetricName, type ScoreItem } from "../../src/metrics/index.ts"
import { choiceLetter, popeSaysYes, vqaNormalize, vqaPunctuation } from "../../src/metrics/task.ts"
import { shuffled } from "../support/seeded-shuffle.ts"

const dir = new URL("../../../shared/metrics-fixtures/", import.meta.url)
const cases = (JSON.parse(readFileSync(new URL("task-cases.json", dir), "utf8")) as { cases: Array<ScoreItem & { corpus: string }> }).cases
const expected = JSON.parse(readFileSync(new URL("task-expected.json", dir), "utf8")) as {
  corpus: Record<string, Partial<Record<MetricName, number>>>
  items: Record<string, Partial<Record<MetricName, number>>>
}
const bin = new URL("../../bin/revo.js", import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), "revo-task-test-"))
after(() => rmSync(tmp, { recursive: true, force: true }))

const corpusEqual = (got: number | undefined, want: number, exact: boolean, what: string): void => {
  if (exact) assert.equal(got, want, what)
  else assert.ok(got !== undefined && Math.abs(got - want) <= 1e-12 * Math.abs(want), `${what}: ${got} vs ${want}`)
}

const corpora = [...new Set(cases.map((c) => c.corpus))].sort()
const itemsOf = (corpus: string): Array<ScoreItem> => cases.filter((c) => c.corpus === corpus).map(({ id, candidate, references }) => ({ id, candidate, references }))
const metricsOf = (corpus: string): Array<MetricName> => TASK_METRICS.filter((m) => expected.corpus[corpus]?.[m] !== undefined)

describe("task metrics match the reference scripts exactly", () => {
  for (const corpus of corpora) {
    const items = itemsOf(corpus)
    const metrics = metricsOf(corpus)
    it(`${corpus} (${items.length} items; ${metrics.join(", ")}): every order, and one at a time`, () => {
      const orders: Array<[string, ReadonlyArray<ScoreItem>]> = [["file order", items], ["reversed", [...items].reverse()], ["shuffled", shuffled(items, 7)]]
      for (const [how, xs] of orders) {
        const r = new Scorer(metrics).finishWith(xs)
        r.items.forEach((got: ItemScores) => {
          for (const m of metrics) assert.equal(got[m], expected.items[got.id]![m], `${how} ${got.id} ${m}`)
        })
        // The corpus mean adds the items in their order: exact in the script's (file) order,
        // within rounding in another.
        for (const m of metrics) corpusEqual(r.corpus[m], expected.corpus[corpus]![m]!, how === "file order", `${how} corpus ${m}`)
      }
      const reused = new Scorer(metrics)
      for (const x of items) {
        const alone = new Scorer(metrics).finishWith([x]).items[0]!
        for (const m of metrics) assert.equal(alone[m], expected.items[x.id]![m], `alone ${x.id} ${m}`)
        reused.add(x)
      }
      assert.equal(reused.finish().items.length, items.length)
    })
  }

  it("yes_no's corpus object has the POPE script's precision, recall, F1 and yes-ratio", () => {
    const items = itemsOf("pope")
    const r = new Scorer(["yes_no"]).finishWith(items)
    // The predictions follow from the labels and the expected per-item correctness.
    let tp = 0, fp = 0, tn = 0, fn = 0
    for (const x of items) {
      const labelYes = x.references[0] === "yes"
      const predYes = expected.items[x.id]!.yes_no === 1 ? labelYes : !labelYes
      assert.equal(popeSaysYes(x.candidate), predYes, x.id)
      if (predYes) labelYes ? tp++ : fp++
      else labelYes ? fn++ : tn++
    }
    const precision = tp / (tp + fp)
    const recall = tp / (tp + fn)
    assert.ok(tp > 0 && fp > 0 && tn > 0 && fn > 0, "the fixture has every outcome")
    assert.equal(r.corpus.yes_no, (tp + tn) / items.length)
    assert.equal(r.corpus["yes_no_precision"], precision)
    assert.equal(r.corpus["yes_no_recall"], recall)
    assert.equal(r.corpus["yes_no_f1"], 2 * precision * recall / (precision + recall))
    assert.equal(r.corpus["yes_no_yes_ratio"], (tp + fp) / items.length)
  })

  it("`revo score` gives the same values, in file order and reversed", () => {
    for (const corpus of corpora) {
      const metrics = metricsOf(corpus)
      for (const [k, xs] of [itemsOf(corpus), itemsOf(corpus).reverse()].entries()) {
        const input = join(tmp, `${corpus}-${k}.jsonl`)
        writeFileSync(input, xs.map((x) => JSON.stringify(x)).join("\n") + "\n")
        const r = spawnSync(process.execPath, [bin, "score", "--input", input, "--metrics", metrics.join(",")], { encoding: "utf8", maxBuffer: 1 << 26 })
        assert.equal(r.status, 0, r.stderr)
        const out = JSON.parse(r.stdout) as { corpus: Record<string, number>; items: Array<ItemScores> }
        for (const got of out.items) for (const m of metrics) assert.equal(got[m], expected.items[got.id]![m], `${corpus} ${got.id} ${m}`)
        for (const m of metrics) corpusEqual(out.corpus[m], expected.corpus[corpus]![m]!, k === 0, `${corpus} corpus ${m}`)
        if (metrics.includes("yes_no")) assert.deepEqual(Object.keys(out.corpus).filter((c) => c.startsWith("yes_no")), ["yes_no", "yes_no_precision", "yes_no_recall", "yes_no_f1", "yes_no_yes_ratio"])
      }
    }
  })

  it("a yes/no or choice label the rule cannot read fails loudly, naming the line", () => {
    const input = join(tmp, "bad-label.jsonl")
    writeFileSync(input, [{ id: "a", candidate: "Yes", references: ["yes"] }, { id: "b", candidate: "No", references: ["a dog"] }].map((x) => JSON.stringify(x)).join("\n") + "\n")
    const r = spawnSync(process.execPath, [bin, "score", "--input", input, "--metrics", "yes_no"], { encoding: "utf8" })
    assert.equal(r.status, 2)
    assert.match(r.stderr, /bad-label\.jsonl:2: item b: yes_no needs the reference "yes" or "no", got "a dog"/)
    assert.throws(() => new Scorer(["choice"]).finishWith([{ id: "c", candidate: "A", references: ["Z"] }]), /choice needs the reference letter A-E/)
  })
})

describe("the rules' corners", () => {
  it("VQA processing: the script's period limit, digit commas and its punctuation test on the input", () => {
    // re.UNICODE passed as re.sub's count: only the first 32 periods go.
    assert.equal(vqaPunctuation(".".repeat(40)), ".".repeat(8))
    // A digit,digit comma anywhere makes every listed mark vanish instead of becoming a space.
    assert.equal(vqaPunctuation("1,000 (approx)"), "1000 approx")
    assert.equal(vqaPunctuation("(approx)"), " approx ")
    assert.equal(vqaNormalize("  The Two dogs\tdont! "), "2 dogs don't")
    // Python's whitespace: U+001F separates words, U+FEFF does not.
    assert.equal(vqaNormalize("a\u001fb"), "b")
    assert.equal(vqaNormalize("a\ufeffb"), "a\ufeffb")
  })

  it("choice: bare letter, 'X. ...', one 'The answer is X.'; nothing else, no guess", () => {
    assert.equal(choiceLetter("B"), "B")
    assert.equal(choiceLetter("C. a cat"), "C")
    assert.equal(choiceLetter("Because... The answer is D."), "D")
    assert.equal(choiceLetter("The answer is D. The answer is A."), undefined)
    assert.equal(choiceLetter("b"), undefined)
    assert.equal(choiceLetter("(A)"), undefined)
    assert.equal(choiceLetter("The answer is F."), undefined)
    assert.equal(choiceLetter("The answer is B\r"), "B")
  })
})
