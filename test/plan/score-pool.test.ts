/**
 * Score tasks on worker threads: the pool's bytes are score-set.ts's bytes computed on this
 * thread, for real eval sets (POPE questions with task and caption metrics, LLaVA-Bench answers
 * scored per dataset in one mixed set), with several jobs at once; a job that
 * throws on its worker (a yes_no item whose reference is not yes/no) fails with the worker's
 * message, inputs not of their producers' formats fail as the runner's read would, and the pool
 * goes on scoring.
 */
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import type { Sample } from "../../src/data/sample.ts"
import { ScoreInputError, ScorePool } from "../../src/plan/score-pool.ts"
import { evalItemsOf, scoreEvalSet, type ScoreMetrics } from "../../src/plan/score-set.ts"
import { sharedData } from "../support/cli.ts"

const jsonl = (path: string): Array<Record<string, unknown>> =>
  readFileSync(join(sharedData, path), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)

/** Real rows as the loader would map them (id, image, one turn). */
const samples = (dataset: string, rows: ReadonlyArray<Record<string, unknown>>, reference: string, file: string): Array<Sample> =>
  rows.map((r, i) => ({
    id: String(r["question_id"]),
    dataset,
    image: { id: String(r["image"] ?? r["question_id"]) },
    turns: [{ instruction: String(r["text"]), references: [String(r[reference])] }],
    origin: { file, line: i + 1 }
  }))

const pope = samples("pope-coco", jsonl("pope-coco/coco_pope_adversarial.json").slice(0, 600), "label", "coco_pope_adversarial.json")
const bench = samples("llava-bench-coco", jsonl("llava-bench-coco/qa90_gpt4_answer.jsonl"), "text", "qa90_gpt4_answer.jsonl")

/** Answers a model might give: another item's reference, or a sentence saying no. */
const answers = (set: ReadonlyArray<Sample>, shift: number): Record<string, string> =>
  Object.fromEntries(evalItemsOf(set).map((it, i, all) => [it.id, i % 7 === 0 ? "No, there is not." : all[(i + shift) % all.length]!.references[0]!]))

/** A job's input as the step hands it on: stored bytes and what names the input in a failure. */
const preds = (v: unknown) => ({ name: "predictions", task: "predict:m@e", output: "predictions", bytes: Buffer.from(JSON.stringify(v)) })
const items = (v: unknown) => ({ name: "items", task: "split", output: "eval:e", bytes: Buffer.from(JSON.stringify(v)) })

describe("score pool", () => {
  it("gives the bytes scoring here gives, several jobs at once, and fails a throwing job with its message", async () => {
    const pool = new ScorePool()
    const mixed = [...pope.slice(0, 120), ...bench]
    const jobs: Array<{ label: string; metrics: ScoreMetrics; set: Array<Sample>; preds: Record<string, string> }> = [
      { label: "score:a@pope-coco.eval", metrics: ["yes_no", "bleu4", "meteor", "rouge_l"], set: pope, preds: answers(pope, 1) },
      { label: "score:b@pope-coco.eval", metrics: ["yes_no", "meteor"], set: pope, preds: answers(pope, 5) },
      { label: "score:a@llava-bench-coco.eval", metrics: ["bleu4", "meteor", "rouge_l", "cider"], set: bench, preds: answers(bench, 3) },
      { label: "score:a@revo-lion-eval.eval", metrics: { "pope-coco": ["yes_no"], "llava-bench-coco": ["bleu4", "meteor", "rouge_l"] }, set: mixed, preds: answers(mixed, 2) }
    ]
    const progress: Array<string> = []
    const got = await Promise.all(jobs.map((j) =>
      pool.score({ label: j.label, metrics: j.metrics, predictions: preds(j.preds), items: items(j.set) }, (done, total) => void progress.push(`${j.label} ${done}/${total}`))
    ))
    jobs.forEach((j, i) => {
      const here = scoreEvalSet(j.label, j.metrics, j.preds, evalItemsOf(j.set))
      assert.equal(Buffer.from(got[i]!).toString("utf8"), here, j.label)
    })
    assert.ok(progress.includes("score:a@pope-coco.eval 600/600"), progress.join("\n"))

    // yes_no on answers that are not yes/no: the worker throws, the job fails with its message.
    await assert.rejects(
      pool.score({ label: "score:x@llava-bench-coco.eval", metrics: ["yes_no"], predictions: preds(answers(bench, 1)), items: items(bench) }),
      /item 0#0: yes_no needs the reference "yes" or "no", got "The colors of the two suitcases/
    )
    // A mixed set whose metrics leave a dataset out fails with the task's label.
    await assert.rejects(
      pool.score({ label: "score:y@revo-lion-eval.eval", metrics: { "pope-coco": ["yes_no"] }, predictions: preds(answers(mixed, 1)), items: items(mixed) }),
      /score:y@revo-lion-eval\.eval: no metrics for dataset llava-bench-coco/
    )
    // Inputs are checked against their producers' formats, as the runner checks what a task reads.
    await assert.rejects(
      pool.score({ label: "score:z@e.eval", metrics: ["meteor"], predictions: preds({ "1#0": 7 }), items: items(pope) }),
      (e: Error) => e instanceof ScoreInputError && /^score:z@e\.eval: its input predictions \(output predictions of predict:m@e\) does not decode as that output's format: Expected string at \["1#0"\]/.test(e.message)
    )
    await assert.rejects(
      pool.score({ label: "score:z@e.eval", metrics: ["meteor"], predictions: preds({}), items: { ...items(pope), bytes: Buffer.from("[{") } }),
      (e: Error) => e instanceof ScoreInputError && /its input items \(output eval:e of split\) does not decode as that output's format: its stored bytes are not JSON/.test(e.message)
    )
    await assert.rejects(
      pool.score({ label: "score:z@e.eval", metrics: ["meteor"], predictions: preds({}), items: items([{ id: 1 }]) }),
      (e: Error) => e instanceof ScoreInputError && /its input items .* Expected string at \[0\]\["id"\]/.test(e.message)
    )
    const again = await pool.score({ label: jobs[0]!.label, metrics: jobs[0]!.metrics, predictions: preds(jobs[0]!.preds), items: items(pope) })
    assert.deepEqual(again, got[0])
  })
})
