/**
 * A run's data check hands its parse and its loads to the run's load tasks (data/handoff.ts), so
 * each data file is parsed once. What the loads store must be byte for byte what loads from the
 * files store, the split the check sized must be the split task's, and a file edited after the
 * check must never be stored under the key of other bytes. Real data, the real plan and graph.
 */
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, beforeEach, describe, it } from "node:test"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Layer from "effect/Layer"
import { openSession as openSessionIn, type Session, type SpecArgs } from "../../src/cli/run.ts"
import { checkData } from "../../src/data/check.ts"
import { checkSplits } from "../../src/plan/split-check.ts"
import { newRunId } from "../../src/runtime/events.ts"
import { Journal } from "../../src/runtime/journal.ts"
import { Progress, TerminalProgress } from "../../src/runtime/progress.ts"
import { runGraph, type GraphResult } from "../../src/runtime/run-graph.ts"
import { TaskStore } from "../../src/runtime/task-store.ts"
import { repoRoot } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"

const EDITED = "An answer edited after the data check."

const openSession = (args: SpecArgs, options: { readonly checkData?: boolean } = {}) =>
  openSessionIn(args, options).pipe(Effect.provide(TaskStore.layer(Option.getOrThrow(args.store))))

/** Run the session's load and split tasks (nothing else) in this process. */
const runData = async (session: Session, dir: string): Promise<GraphResult> => {
  const tasks = session.tasks.filter((t) => t.kind === "load" || t.kind === "split")
  const services = Layer.mergeAll(TaskStore.layer(session.store.root), Journal.layer(join(dir, "results"), newRunId(), "test"), Layer.succeed(Progress, new TerminalProgress(process.stderr, false)), NodeServices.layer)
  return Effect.runPromise(runGraph(tasks, { scope: "t", jobs: 2 }).pipe(Effect.provide(services)))
}

const keyOf = (r: GraphResult, label: string): string | undefined => {
  const o = r.outcomes.get(label)!
  return o.status === "done" ? o.key : undefined
}

const outputText = (session: Session, result: GraphResult, label: string, name: string): string => {
  const o = result.outcomes.get(label)!
  assert.equal(o.status, "done", `${label}: ${o.status === "failed" ? o.error : o.status}`)
  return session.store.get((o.status === "done" ? o.outputs : {})[name]!.hash).toString("utf8")
}

describe("load tasks handed the data check's parse and loads", () => {
  const saved = process.env.REVO_CACHE_DIR
  beforeEach(() => {
    // an empty cache: the split check misses, so the check loads every dataset (the loads are handed over)
    process.env.REVO_CACHE_DIR = mkdtempSync(join(tmpdir(), "revo-handoff-cache-"))
  })
  after(() => {
    if (saved === undefined) delete process.env.REVO_CACHE_DIR
    else process.env.REVO_CACHE_DIR = saved
  })

  it("the quickstart: handed loads store the same bytes as loads from the files, and the split task's sizes are the check's", async () => {
    const spec = join(repoRoot, "experiments/quickstart.yaml")
    const dir = mkdtempSync(join(tmpdir(), "revo-handoff-"))
    const checked = await Effect.runPromise(openSession({ spec, set: [], dataRoot: Option.none(), store: Option.some(join(dir, "a")) }, { checkData: true }))
    const fromFiles = await Effect.runPromise(openSession({ spec, set: [], dataRoot: Option.none(), store: Option.some(join(dir, "b")) }))
    const a = await runData(checked, join(dir, "a"))
    const b = await runData(fromFiles, join(dir, "b"))
    const ids = Object.keys(checked.loaded.spec.datasets).sort()
    assert.equal(ids.length, 11)
    for (const d of ids) {
      for (const name of ["samples", "summary"]) {
        assert.equal(outputText(checked, a, `load:${d}`, name), outputText(fromFiles, b, `load:${d}`, name), `load:${d} ${name}`)
      }
      assert.equal(keyOf(a, `load:${d}`), keyOf(b, `load:${d}`))
    }
    const summary = JSON.parse(outputText(checked, a, "split", "summary")) as Record<string, { train: number; eval: number }>
    assert.equal(outputText(checked, a, "split", "summary"), outputText(fromFiles, b, "split", "summary"))
    // the sizes the check reports (validate's), from a check of its own
    const own = await Effect.runPromise(checkData(checked.loaded.spec.datasets, { dataRoot: checked.loaded.dataRoot }))
    const { samples } = await Effect.runPromise(own.loadSamples())
    const sizes = checkSplits(checked.loaded.spec, samples).sizes!
    assert.deepEqual(sizes, Object.fromEntries(ids.map((d) => [d, { train: summary[d]!.train, eval: summary[d]!.eval }])))
    assert.equal(Object.values(sizes).reduce((n, s) => n + s.train + s.eval, 0), 31_100)
  })

  it("a loaded dataset is handed only under its own key, once; the parse goes when the last load is over", async () => {
    const s = smallSpec()
    const session = await Effect.runPromise(openSession({ spec: s.spec, set: [], dataRoot: Option.none(), store: Option.some(s.store) }))
    const datasets = session.loaded.spec.datasets
    const checked = await Effect.runPromise(checkData(datasets, { dataRoot: session.loaded.dataRoot }))
    const { samples } = await Effect.runPromise(checked.loadSamples())
    const ids = Object.keys(datasets).sort()
    const handoff = checked.handoff(ids)
    const [first, second, third] = ids as [string, string, string]
    // another key (the file changed between the check and planning): no dataset, and none later under the right key either
    assert.equal(handoff.take(first, "0".repeat(64)), undefined)
    assert.equal(handoff.take(first, checked.keys[first]!), undefined)
    const taken = handoff.take(second, checked.keys[second]!)
    assert.equal(taken?.samples, samples[second], "the check's own load, not a copy")
    assert.equal(handoff.take(second, checked.keys[second]!), undefined, "taken once")
    assert.ok(handoff.context().cache !== undefined && handoff.context().joinIndexes !== undefined)
    handoff.release(first)
    handoff.release(second)
    assert.ok(handoff.context().cache !== undefined, "a load is still to come")
    handoff.release(third)
    assert.deepEqual(handoff.context(), {}, "every load is over: the parse is dropped")
    assert.equal(handoff.take(third, checked.keys[third]!), undefined)
  })

  for (const verdict of ["missed (the check loaded the datasets)", "cached (the check only parsed the files)"]) {
    it(`a file edited after the check: the load stores the bytes it is keyed by, never the edit (split verdict ${verdict})`, async () => {
      const s = smallSpec()
      if (verdict.startsWith("cached")) {
        // a first session caches the split verdict: the next check parses but does not load
        await Effect.runPromise(openSession({ spec: s.spec, set: [], dataRoot: Option.none(), store: Option.some(s.store) }, { checkData: true }))
      }
      const file = join(s.dataRoot, "llava-instruct-100/llava_instruct_100.json")
      const original = readFileSync(file)
      const session = await Effect.runPromise(openSession({ spec: s.spec, set: [], dataRoot: Option.none(), store: Option.some(s.store) }, { checkData: true }))
      const data = JSON.parse(original.toString("utf8")) as Array<{ conversations: Array<{ value: string }> }>
      data[3]!.conversations[1]!.value = EDITED
      writeFileSync(file, JSON.stringify(data))
      const result = await runData(session, s.dir)
      const samples = outputText(session, result, "load:llava-instruct-100", "samples")
      assert.ok(!samples.includes(EDITED), "the edit was stored under the key of the bytes the check parsed")
      assert.ok(samples.includes(data[0]!.conversations[1]!.value))

      // What was stored is what the files give once restored (a session without the check loads from them).
      writeFileSync(file, original)
      const fresh = await Effect.runPromise(openSession({ spec: s.spec, set: [], dataRoot: Option.none(), store: Option.some(join(s.dir, "store2")) }))
      const again = await runData(fresh, join(s.dir, "store2"))
      assert.equal(outputText(fresh, again, "load:llava-instruct-100", "samples"), samples)
    })
  }
})
