import { test } from "node:test"
import assert from "node:assert/strict"
import type { CrossCell } from "../../src/report/types.ts"
import { buildComparison, outcome, verdictSentence, type VerdictInput } from "../../src/report/render-verdict.ts"

const base: VerdictInput = {
  subject: "revo-lion",
  control: "union",
  subject_train_size: 1234,
  control_train_size: 2468,
  union_train_size: 2468,
  eval_sets: ["a", "b", "c", "d"],
  per_eval: {},
  subject_mean: 0.182,
  control_mean: 0.179,
  diff: 0.182 - 0.179,
  rel_diff: (0.182 - 0.179) / 0.179,
  wins: 3,
  losses: 1,
  tolerance: 0.02
}

test("tie with the union: says it matches within the tolerance, with sizes and the signed difference", () => {
  const s = verdictSentence(base)
  assert.equal(
    s,
    "REVO-LION (1,234 samples, 50.0% of all train data) scores 0.182 mean MQ over 4 eval sets against 0.179 " +
      "for the union of all train data (2,468 samples): it matches the union within 2% (+1.7%; higher on 3 of 4)."
  )
  assert.equal(outcome(base), "tie")
})

test("win against random of the same size: says it beats it, by how much", () => {
  const c: VerdictInput = {
    ...base,
    control: "random",
    control_train_size: 1234,
    subject_mean: 0.182,
    control_mean: 0.16,
    diff: 0.022,
    rel_diff: 0.022 / 0.16,
    wins: 4,
    losses: 0
  }
  const s = verdictSentence(c)
  assert.match(s, /against 0\.160 for a random subset of the same size \(1,234 samples\)/)
  assert.match(s, /it beats the random subset by 13\.7% \(higher on 4 of 4\)\.$/)
  assert.equal(outcome(c), "win")
})

test("loss is called a loss", () => {
  const c: VerdictInput = { ...base, subject_mean: 0.15, control_mean: 0.2, diff: -0.05, rel_diff: -0.25, wins: 0, losses: 4 }
  const s = verdictSentence(c)
  assert.match(s, /it falls short of the union by 25\.0% \(lower on 4 of 4\)\.$/)
  assert.doesNotMatch(s, /match|beats/)
  assert.equal(outcome(c), "lose")
})

test("the tolerance edge: 2% exactly is a tie, just over is not", () => {
  assert.equal(outcome({ ...base, rel_diff: 0.02 }), "tie")
  assert.equal(outcome({ ...base, rel_diff: -0.0201 }), "lose")
  assert.equal(outcome({ ...base, rel_diff: 0.0201 }), "win")
})

test("no shared eval set and zero control mean are stated plainly, not as a percentage", () => {
  const none = verdictSentence({ ...base, eval_sets: [], subject_mean: 0, control_mean: 0, diff: 0, rel_diff: 0 })
  assert.match(none, /no eval set scored for both/)
  const zero = verdictSentence({ ...base, control_mean: 0, diff: 0.01, rel_diff: 0 })
  assert.match(zero, /beats the union by 0\.010 MQ/)
})

test("random of a different size is not called 'the same size'", () => {
  const s = verdictSentence({ ...base, control: "random", control_train_size: 1200 })
  assert.match(s, /for a random subset \(1,200 samples\)/)
})

test("buildComparison: means over eval sets both rows have, wins and losses, and a verdict from the same numbers", () => {
  const cell = (mq: number): CrossCell => ({ mq, items: 10 })
  const cross = {
    "revo-lion": { a: cell(0.3), b: cell(0.2), c: cell(0.1) },
    union: { a: cell(0.2), b: cell(0.2), c: cell(0.4), d: cell(0.5) }
  }
  const c = buildComparison({
    control: "union",
    cross,
    evalSets: ["a", "b", "c", "d"],
    subjectTrainSize: 50,
    controlTrainSize: 100,
    unionTrainSize: 100
  })
  assert.deepEqual(c.eval_sets, ["a", "b", "c"]) // d lacks a REVO-LION cell
  assert.ok(Math.abs(c.subject_mean - 0.2) < 1e-12)
  assert.ok(Math.abs(c.control_mean - 0.8 / 3) < 1e-12)
  assert.equal(c.wins, 1)
  assert.equal(c.losses, 1)
  assert.ok(Math.abs(c.per_eval["c"]!.diff + 0.3) < 1e-12)
  assert.equal(outcome(c), "lose")
  assert.equal(c.verdict, verdictSentence(c))
  assert.match(c.verdict, /falls short of the union by 25\.0% \(lower on 1 of 3\)/)
})
