/** plugins/example-echo, the README's minimal plugin, end to end in a real python3 subprocess. */
import assert from "node:assert/strict"
import { after, test } from "node:test"
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { loadPlugin } from "../../src/backends/registry.ts"
import { itemsOf } from "../../src/data/sample.ts"
import { loadRealDatasets } from "./support/real-samples.ts"
import { run, taskIn, tempDir } from "./support/tasks.ts"

const root = tempDir("example")
after(() => rmSync(root, { recursive: true, force: true }))

test("example-echo: found by name, tunes and answers through the process contract", async () => {
  const plugin = await run(loadPlugin("example-echo"))
  assert.equal(plugin.identity.kind, "process")
  assert.equal(plugin.manifest.command?.[0], "python3")
  const pope = (await loadRealDatasets()).find((d) => d.id === "pope-coco")!.samples
  const tuneSet = { id: "pope", samples: pope.slice(0, 101) }
  const yes = tuneSet.samples.filter((s) => s.turns[0]!.references[0] === "yes").length
  const expected = yes > 101 - yes ? "yes" : "no"
  const progress: Array<string> = []
  await run(plugin.tune({
    task: taskIn(root, "tune:pope"),
    tuneSet,
    params: {},
    outDir: join(root, "model"),
    onProgress: (p) => Effect.sync(() => void progress.push(`${p.done}/${p.total}`))
  }))
  assert.deepEqual(progress, ["101/101"])
  assert.deepEqual(JSON.parse(readFileSync(join(root, "model", "model.json"), "utf8")), { response: expected })
  const items = pope.slice(1500, 3000).flatMap(itemsOf)
  const preds = await run(plugin.answer({ task: taskIn(root, "predict:pope"), modelDir: join(root, "model"), items, params: {} }))
  assert.equal(preds.size, 1500)
  assert.ok([...preds.values()].every((p) => p === expected))
  // the request the plugin read is what the README documents
  const req = JSON.parse(readFileSync(join(root, "work", "kpredictpope", "request.json"), "utf8"))
  assert.deepEqual(Object.keys(req).sort(), ["checkpointDir", "inputs", "op", "outputs", "params", "plugin", "protocol", "task", "workDir"])
  assert.equal(req.op, "answer")
  assert.equal(req.inputs.count, 1500)
})
