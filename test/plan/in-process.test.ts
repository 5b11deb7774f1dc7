/**
 * The task graph run in process (no CLI, no subprocess), its services given as test layers: the
 * real load and split steps over the small spec's real datasets, a real store in a temp folder,
 * an in-memory journal and a progress view that records what the runner reports. The first run
 * computes, the second finds everything in the store, and an unknown input is refused before
 * anything runs.
 */
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import * as Effect from "effect/Effect"
import { LocalJobFailed } from "../../src/backends/executors/local-errors.ts"
import { SlurmJobFailed } from "../../src/backends/executors/slurm-errors.ts"
import type { Executor, ExecutorError, Job } from "../../src/backends/executors/types.ts"
import { loadPlugin } from "../../src/backends/registry.ts"
import { datasetKey } from "../../src/data/load.ts"
import { Executors } from "../../src/plan/executor.ts"
import { tuneStep } from "../../src/plan/steps-model.ts"
import { Samples } from "../../src/data/outputs.ts"
import { type LoadOutputs, loadStep, splitStep } from "../../src/plan/steps-data.ts"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Layer from "effect/Layer"
import type { TaskEvent } from "../../src/runtime/events.ts"
import { Journal } from "../../src/runtime/journal.ts"
import { Progress, type ProgressSink } from "../../src/runtime/progress.ts"
import { type GraphOptions, runGraph } from "../../src/runtime/run-graph.ts"
import { TaskStore } from "../../src/runtime/task-store.ts"
import { output, TaskFailure, type TaskSpec } from "../../src/runtime/task.ts"
import { loadSpec } from "../../src/spec/load.ts"
import { smallSpec } from "../support/small-spec.ts"

/** The graph run with test layers: the store at `storeDir`, and what the runner journaled and told the progress view, in order. */
const runInProcess = (tasks: ReadonlyArray<TaskSpec>, storeDir: string, options: GraphOptions, executor?: Executor<ExecutorError>) => {
  const finished: Array<[string, string]> = []
  const events: Array<TaskEvent> = []
  const sink: ProgressSink = {
    planned: () => {},
    start: () => {},
    progress: () => {},
    finish: (label, _kind, outcome) => void finished.push([label, outcome]),
    note: () => {},
    summary: () => ({ executed: 0, cached: 0, failed: 0, seconds: 0 }),
    close: () => {}
  }
  // Node's services as the CLI provides them (a process plugin's executor would spawn through them).
  const layers = Layer.mergeAll(TaskStore.layer(storeDir), Journal.inMemory(events), Layer.succeed(Progress, sink), NodeServices.layer)
  const graph = runGraph(tasks, options).pipe(Effect.provide(layers))
  return { graph: executor === undefined ? graph : graph.pipe(Effect.provideService(Executors, { forSpec: () => executor })), finished, events }
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
    const storeDir = join(s.dir, "store")
    const run = async () => {
      const { graph, finished, events } = runInProcess(tasks, storeDir, { scope: "small", jobs: 2 })
      return { result: await Effect.runPromise(graph), finished, events }
    }
    const first = await run()
    assert.deepEqual(first.result.failures, [])
    assert.deepEqual(first.finished.map(([l, o]) => `${l} ${o}`).sort(), [...ids.map((d) => `load:${d} done`), "split done"].sort())
    const split = first.result.outcomes.get("split")!
    assert.ok(split.status === "done" && Object.keys(split.outputs).includes(`train:${ids[0]}`))
    const trainSamples = JSON.parse(readFileSync(join(storeDir, "objects", split.outputs[`train:${ids[0]}`]!.hash.slice(0, 2), split.outputs[`train:${ids[0]}`]!.hash), "utf8")) as Array<{ id: string }>
    assert.ok(trainSamples.length > 10)
    // The journal: each task started and was done, under its key, in the order the runner saw it.
    assert.deepEqual(first.events.filter((e) => e.event === "done").map((e) => e.task).sort(), tasks.map((t) => t.label).sort())
    for (const t of tasks) {
      const mine = first.events.filter((e) => e.task === t.label).map((e) => e.event)
      assert.deepEqual(mine, ["start", "done"], t.label)
    }

    const second = await run()
    assert.deepEqual(second.finished.map(([, o]) => o), tasks.map(() => "cached"))
    const again = second.result.outcomes.get("split")!
    assert.ok(again.status === "cached")
    assert.deepEqual(second.events.map((e) => e.event), tasks.map(() => "cached"))
    // The same bytes: every output's hash as the first run stored it.
    assert.deepEqual(Object.fromEntries(Object.entries(again.outputs).map(([k, v]) => [k, v.hash])), Object.fromEntries(Object.entries(split.outputs).map(([k, v]) => [k, v.hash])))
  })

  it("refuses a graph whose input names no task, before running anything", async () => {
    const s = smallSpec()
    const loaded = await Effect.runPromise(loadSpec(s.spec))
    const ids = Object.keys(loaded.spec.datasets).sort()
    const orphan = splitStep(ids, loaded.spec, Object.fromEntries(ids.map((d) => [d, output(`load:${d}`, "samples", Samples)])))
    const { graph, finished, events } = runInProcess([orphan], join(mkdtempSync(join(tmpdir(), "revo-graph-")), "store"), { scope: "x", jobs: 1 })
    const error = await Effect.runPromise(Effect.flip(graph))
    assert.equal(error._tag, "TaskGraphError")
    assert.match(error.message, new RegExp(`split reads input ${ids[0]} from load:${ids[0]}, which is no task of the graph`))
    assert.deepEqual(finished, [])
    assert.deepEqual(events, [])
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
    const { graph, events } = runInProcess([...drifted, split], join(mkdtempSync(join(tmpdir(), "revo-graph-")), "store"), { scope: "x", jobs: 1 })
    const result = await Effect.runPromise(graph)
    const outcome = result.outcomes.get("split")!
    assert.equal(outcome.status, "failed")
    assert.ok(outcome.status === "failed")
    assert.equal(events.find((e) => e.event === "failed")?.task, "split")
    assert.match(outcome.error, new RegExp(`^split: its input ${ids[0]} \\(output samples of load:${ids[0]}\\) does not decode as that output's format: Expected string at \\[0\\]\\["id"\\]$`))
  })

  it("fails a task that reads a handle it did not declare as an input", async () => {
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
    const { graph } = runInProcess([producer, reader], join(mkdtempSync(join(tmpdir(), "revo-graph-")), "store"), { scope: "x", jobs: 1 })
    const result = await Effect.runPromise(graph)
    const outcome = result.outcomes.get("reader")!
    assert.ok(outcome.status === "failed")
    assert.equal(outcome.error, "reader reads output b of produce, which is not among its inputs")
  })
  it("runs process plugins' tasks on the executor its context holds, and tells the executor's failures apart by tag", async () => {
    const s = smallSpec()
    const loaded = await Effect.runPromise(loadSpec(s.spec))
    const ids = Object.keys(loaded.spec.datasets).sort()
    const samples: Record<string, LoadOutputs["samples"]> = {}
    const tasks: Array<TaskSpec> = []
    for (const id of ids) {
      const key = await Effect.runPromise(datasetKey(id, loaded.spec.datasets[id]!, { dataRoot: loaded.dataRoot }))
      const load = loadStep(id, loaded.spec.datasets[id]!, loaded, key)
      tasks.push(load)
      samples[id] = load.out.samples
    }
    const split = splitStep(ids, loaded.spec, samples)
    const plugin = await Effect.runPromise(loadPlugin("example-echo"))
    tasks.push(split, tuneStep("busy", plugin, loaded.spec, split.out.train(ids[0]!)), tuneStep("oom", plugin, loaded.spec, split.out.train(ids[1]!)))
    // A scripted executor: the GPU is always busy for one task (exit 75, "try again later"), the
    // other runs out of memory on Slurm. The process runner, the steps and the runner are the product's.
    const asked: Array<string> = []
    const scripted: Executor<ExecutorError> = {
      kind: "local",
      run: (job: Job) => {
        asked.push(job.label)
        return job.label === "tune:busy"
          ? Effect.fail(new LocalJobFailed({ label: job.label, pid: "4242", exitCode: 75 }))
          : Effect.fail(new SlurmJobFailed({ jobId: "77", label: job.label, state: "OUT_OF_MEMORY", exitCode: 0, signal: 9, elapsed: "00:01:02" }))
      }
    }
    const { graph, events } = runInProcess(tasks, join(s.dir, "store"), { scope: "small", jobs: 2, retryBase: "1 millis" }, scripted)
    const result = await Effect.runPromise(graph)
    const busy = result.outcomes.get("tune:busy")!
    const oom = result.outcomes.get("tune:oom")!
    assert.ok(busy.status === "failed" && oom.status === "failed")
    // LocalJobFailed: the plugin's exit code, transient (75), so retried twice and then reported with the attempts.
    assert.match(busy.error, /^after 3 attempts: plugin "example-echo" \(task tune:busy\): exited with code 75/)
    assert.deepEqual(events.filter((e) => e.event === "retry").map((e) => e.task), ["tune:busy", "tune:busy", "tune:busy"])
    // SlurmJobFailed: the scheduler's own message (job id, state, run time), not retried.
    assert.match(oom.error, /^plugin "example-echo" \(task tune:oom\): slurm job 77 \(tune:oom\) ended OUT_OF_MEMORY after 00:01:02; stderr was empty/)
    assert.deepEqual(asked.sort(), ["tune:busy", "tune:busy", "tune:busy", "tune:oom"])
  })
  it("never runs two tasks with the same key at once: the later twin finds the first one's record", async () => {
    // Two labels, one key (same kind, version, params and inputs), as when two models come out
    // byte-identical: they share a work folder. Each writes its name there, waits, and reads it
    // back; run together, one would read the other's name (a clobbered file, seen as a plugin
    // that "wrote no predictions file" in a real run).
    const twin = (label: string): TaskSpec => ({
      label, kind: "aggregate", version: "twin-test", params: {}, inputs: {}, resource: "cpu",
      run: (ctx) => Effect.gen(function*() {
        writeFileSync(join(ctx.workDir, "owner"), label)
        yield* Effect.sleep("300 millis")
        const owner = readFileSync(join(ctx.workDir, "owner"), "utf8")
        if (owner !== label) return yield* new TaskFailure({ message: `${label}: its work folder was written by ${owner}` })
        return { out: "same bytes" }
      })
    })
    const storeDir = mkdtempSync(join(tmpdir(), "revo-twins-"))
    const { graph, finished, events } = runInProcess([twin("twin:a"), twin("twin:b")], storeDir, { scope: "twins", jobs: 2 })
    const result = await Effect.runPromise(graph)
    assert.deepEqual(result.failures, [])
    assert.deepEqual(finished, [["twin:a", "done"], ["twin:b", "cached"]])
    assert.deepEqual(events.map((e) => `${e.event} ${e.task}`), ["start twin:a", "done twin:a", "cached twin:b"])
  })
})
