/**
 * A dataset file edited between planning (which keys the load task by the file's bytes) and the
 * load task (which reads the file again) must not poison the cache: the load either stores what
 * the key promises or fails. Real data, the real plan and task graph, then the real CLI.
 */
import assert from "node:assert/strict"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { openSession } from "../../src/cli/run.ts"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Layer from "effect/Layer"
import { newRunId } from "../../src/runtime/events.ts"
import { Journal } from "../../src/runtime/journal.ts"
import { Progress, TerminalProgress } from "../../src/runtime/progress.ts"
import { runGraph } from "../../src/runtime/run-graph.ts"
import { TaskStore } from "../../src/runtime/task-store.ts"
import { revo } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"

const EDITED = "An answer edited while the run was starting."

describe("load task: keys and reads the same bytes", () => {
  it("a file edited after planning fails its load (nothing stored under the planned key); after restoring it the rerun loads the real data", async () => {
    const s = smallSpec()
    const file = join(s.dataRoot, "llava-instruct-100/llava_instruct_100.json")
    const original = readFileSync(file)
    const session = await Effect.runPromise(openSession({ spec: s.spec, set: [], dataRoot: Option.none(), store: Option.some(s.store) }).pipe(Effect.provide(TaskStore.layer(s.store))))
    // The edit lands after the keys were computed, before the load task reads the file.
    const data = JSON.parse(original.toString("utf8")) as Array<{ conversations: Array<{ value: string }> }>
    data[3]!.conversations[1]!.value = EDITED
    writeFileSync(file, JSON.stringify(data))
    const load = session.tasks.filter((t) => t.label === "load:llava-instruct-100")
    const services = Layer.mergeAll(TaskStore.layer(session.store.root), Journal.layer(join(s.dir, "results", "small"), newRunId(), "test"), Layer.succeed(Progress, new TerminalProgress(process.stderr, false)), NodeServices.layer)
    const result = await Effect.runPromise(runGraph(load, { scope: "small", jobs: 1 }).pipe(Effect.provide(services)))
    const outcome = result.outcomes.get("load:llava-instruct-100")!
    assert.equal(outcome.status, "failed", "the load read other bytes than the ones it is keyed by, and must not succeed")
    assert.match(outcome.status === "failed" ? outcome.error : "", /llava-instruct-100.*changed since the run was planned.*llava_instruct_100\.json/s)

    // Restore the file (as the user who reverted an accidental save would): the next run must
    // load the real data, not report a cached copy of the edited one.
    writeFileSync(file, original)
    const r = revo(["run", s.spec, "--store", s.store])
    assert.equal(r.code, 0, r.stderr)
    const plan = JSON.parse(revo(["plan", s.spec, "--store", s.store, "--json"]).stdout) as { tasks: Array<{ task: string; key: string }> }
    const key = plan.tasks.find((t) => t.task === "load:llava-instruct-100")!.key
    const record = JSON.parse(readFileSync(join(s.store, "tasks", `${key}.json`), "utf8")) as { outputs: Record<string, { hash: string }> }
    const h = record.outputs["samples"]!.hash
    const samples = readFileSync(join(s.store, "objects", h.slice(0, 2), h), "utf8")
    assert.ok(!samples.includes(EDITED), "the store holds the edited answer under the original file's key")
    assert.ok(samples.includes(data[0]!.conversations[1]!.value))
  })
})
