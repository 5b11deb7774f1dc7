/**
 * The task graph run in process (no CLI, no subprocess): the real load and split steps over the
 * small spec's real datasets, a real store in a temp folder, and a progress sink that records
 * what the runner reports. The first run computes, the second finds everything in the store,
 * and an unknown input is refused before anything runs.
 */
import assert from "node:assert/strict"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import * as Effect from "effect/Effect"
import { datasetKey } from "../../src/data/load.ts"
import { Samples } from "../../src/data/outputs.ts"
import { type LoadOutputs, loadStep, splitStep } from "../../src/plan/steps-data.ts"
import { EventLog } from "../../src/runtime/events.ts"
import type { ProgressSink } from "../../src/runtime/progress.ts"
import { runGraph } from "../../src/runtime/run-graph.ts"
import { Store } from "../../src/runtime/store.ts"
import { output, type TaskSpec } from "../../src/runtime/task.ts"
import { loadSpec } from "../../src/spec/load.ts"
import { smallSpec } from "../support/small-spec.ts"

/** What the runner told the progress view, in order. */
const recordingSink = () => {
  const finished: Array<[string, string]> = []
  const sink: ProgressSink = {
    planned: () => {},
    start: () => {},
    progress: () => {},
    finish: (label, _kind, outcome) => void finished.push([label, outcome]),
    note: () => {},
    close: () => {}
  }
  return { sink, finished }
}

describe("runGraph in process", () => {
  it("computes the real load and split tasks once, then finds them in the store", async () => {
    const s = smallSpec()
    const loaded = await Effect.runPromise(loadSpec(s.spec))
    const ids = Object.keys(loaded.spec.datasets).sort()
    const tasks: Array<TaskSpec> = []
    const samples: Record<string, LoadOutputs["samples"]> = {}
    for (const id of ids) {
      const key = await Effect.runPromise(datasetKey(id, loaded.spec.datasets[id]!, { dataRoot: loaded.dataRoot }))
      const load = loadStep(id, loaded.spec.datasets[id]!, loaded, key)
      tasks.push(load)
      samples[id] = load.out.samples
    }
    tasks.push(splitStep(ids, loaded.spec, samples))
    const store = new Store(join(s.dir, "store"))
    const run = async (runId: string) => {
      const { sink, finished } = recordingSink()
      const result = await Effect.runPromise(runGraph(tasks, { store, scope: "small", events: new EventLog(join(s.dir, "runs"), runId), progress: sink, jobs: 2 }))
      return { result, finished }
    }
    const first = await run("one")
    assert.deepEqual(first.result.failures, [])
    assert.deepEqual(first.finished.map(([l, o]) => `${l} ${o}`).sort(), [...ids.map((d) => `load:${d} done`), "split done"].sort())
    const split = first.result.outcomes.get("split")!
    assert.ok(split.status === "done" && Object.keys(split.outputs).includes(`train:${ids[0]}`))
    const trainSamples = JSON.parse(store.getText(split.outputs[`train:${ids[0]}`]!.hash)) as Array<{ id: string }>
    assert.ok(trainSamples.length > 10)

    const second = await run("two")
    assert.deepEqual(second.finished.map(([, o]) => o), tasks.map(() => "cached"))
    const again = second.result.outcomes.get("split")!
    assert.ok(again.status === "cached")
    // The same bytes: every output's hash as the first run stored it.
    assert.deepEqual(Object.fromEntries(Object.entries(again.outputs).map(([k, v]) => [k, v.hash])), Object.fromEntries(Object.entries(split.outputs).map(([k, v]) => [k, v.hash])))
  })

  it("refuses a graph whose input names no task, before running anything", async () => {
    const s = smallSpec()
    const loaded = await Effect.runPromise(loadSpec(s.spec))
    const ids = Object.keys(loaded.spec.datasets).sort()
    const orphan = splitStep(ids, loaded.spec, Object.fromEntries(ids.map((d) => [d, output(`load:${d}`, "samples", Samples)])))
    const { sink, finished } = recordingSink()
    const store = new Store(join(mkdtempSync(join(tmpdir(), "revo-graph-")), "store"))
    const error = await Effect.runPromise(Effect.flip(runGraph([orphan], { store, scope: "x", events: new EventLog(join(s.dir, "runs"), "bad"), progress: sink, jobs: 1 })))
    assert.equal(error._tag, "TaskGraphError")
    assert.match(error.message, new RegExp(`split reads input ${ids[0]} from load:${ids[0]}, which is no task of the graph`))
    assert.deepEqual(finished, [])
  })
  it("fails the reading task, naming it and the output, when an input does not decode as its producer's format", async () => {
    const s = smallSpec()
    const loaded = await Effect.runPromise(loadSpec(s.spec))
    const ids = Object.keys(loaded.spec.datasets).sort()
    // A producer whose samples drifted from the Sample format: ids written as numbers.
    const drifted = ids.map((d): TaskSpec => ({
      label: `load:${d}`, kind: "load", version: "test-drifted", params: { d }, inputs: {}, resource: "cpu",
      run: () => Effect.succeed({ samples: JSON.stringify([{ id: 7, dataset: d, image: {}, turns: [], origin: { file: "x" } }]) })
    }))
    const split = splitStep(ids, loaded.spec, Object.fromEntries(ids.map((d) => [d, output(`load:${d}`, "samples", Samples)])))
    const store = new Store(join(mkdtempSync(join(tmpdir(), "revo-graph-")), "store"))
    const { sink } = recordingSink()
    const result = await Effect.runPromise(runGraph([...drifted, split], { store, scope: "x", events: new EventLog(join(s.dir, "runs"), "drift"), progress: sink, jobs: 1 }))
    const outcome = result.outcomes.get("split")!
    assert.equal(outcome.status, "failed")
    assert.ok(outcome.status === "failed")
    assert.match(outcome.error, new RegExp(`^split: its input ${ids[0]} \\(output samples of load:${ids[0]}\\) does not decode as that output's format: Expected string at \\[0\\]\\["id"\\]$`))
  })

  it("fails a task that reads a handle it did not declare as an input", async () => {
    const s = smallSpec()
    const producer: TaskSpec = {
      label: "produce", kind: "load", version: "test", params: {}, inputs: {}, resource: "cpu",
      run: () => Effect.succeed({ a: "[]", b: "[]" })
    }
    const a = output("produce", "a", Samples)
    const b = output("produce", "b", Samples)
    const reader: TaskSpec = {
      label: "reader", kind: "split", version: "test", params: {}, inputs: { a }, resource: "cpu",
      run: (ctx) => Effect.map(ctx.read(b), () => ({ out: "{}" }))
    }
    const store = new Store(join(mkdtempSync(join(tmpdir(), "revo-graph-")), "store"))
    const { sink } = recordingSink()
    const result = await Effect.runPromise(runGraph([producer, reader], { store, scope: "x", events: new EventLog(join(s.dir, "runs"), "undeclared"), progress: sink, jobs: 1 }))
    const outcome = result.outcomes.get("reader")!
    assert.ok(outcome.status === "failed")
    assert.equal(outcome.error, "reader reads output b of produce, which is not among its inputs")
  })
})
