/**
 * The graph's shape is checked before it is walked: `revo plan` explained tasks in list order
 * and the runner waited on each input's task, so a task listed before its input, a cycle or an
 * input naming no task gave a wrong explanation or a run that never ends.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { orderedTasks, TaskGraphError } from "../../src/runtime/graph-check.ts"

const task = (label: string, inputs: Record<string, string> = {}) => ({
  label,
  inputs: Object.fromEntries(Object.entries(inputs).map(([name, from]) => [name, { task: from, output: "out" }]))
})

describe("task graph check", () => {
  it("keeps an order in which every task follows its inputs", () => {
    const tasks = [task("load:a"), task("load:b"), task("split", { a: "load:a", b: "load:b" }), task("tune:a", { train: "split" })]
    assert.deepEqual(orderedTasks(tasks).map((t) => t.label), ["load:a", "load:b", "split", "tune:a"])
  })

  it("moves a task listed before its input after it", () => {
    const tasks = [task("report", { proof: "proof" }), task("proof", { s: "score" }), task("score")]
    assert.deepEqual(orderedTasks(tasks).map((t) => t.label), ["score", "proof", "report"])
  })

  it("a cycle is an error naming every task of the loop", () => {
    const tasks = [task("a", { x: "c" }), task("b", { x: "a" }), task("c", { x: "b" })]
    assert.throws(() => orderedTasks(tasks), (e: unknown) => e instanceof TaskGraphError && /a cycle: a → c → b → a/.test(e.message))
  })

  it("an input naming no task is an error naming both tasks and the input", () => {
    assert.throws(() => orderedTasks([task("load:a"), task("split", { b: "load:b" })]),
      (e: unknown) => e instanceof TaskGraphError && e.message === "task graph: split reads input b from load:b, which is no task of the graph")
  })

  it("a label used twice is an error", () => {
    assert.throws(() => orderedTasks([task("split"), task("split")]), /two tasks are labelled split/)
  })
})
