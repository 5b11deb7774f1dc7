/**
 * Process plugins end to end with real subprocesses through the local executor: the retrieval
 * CLI (equal to the module plugin, progress, crash + resume), every failure mode's message, and
 * the environment policy.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import type { PluginEvent } from "../../src/backends/contract.ts"
import { loadPlugin, type LoadedPlugin } from "../../src/backends/registry.ts"
import { itemsOf, type Sample } from "../../src/data/sample.ts"
import { loadRealDatasets, split } from "./support/real-samples.ts"
import { failure, run, taskIn, tempDir } from "./support/tasks.ts"

const repo = fileURLToPath(new URL("../../", import.meta.url))
const fixture = fileURLToPath(new URL("./fixtures/misbehave", import.meta.url))

let root: string
let train: Array<Sample>
let evalSamples: Array<Sample>
let mod: LoadedPlugin
let proc: LoadedPlugin
before(async () => {
  root = tempDir("process")
  const d = (await loadRealDatasets()).find((x) => x.id === "vqa-x")!
  const s = split({ id: d.id, samples: d.samples.slice(0, 1200) })
  train = s.train
  evalSamples = s.eval
  mod = await run(loadPlugin("retrieval"))
  proc = await run(loadPlugin("./plugins/retrieval", { baseDir: repo }))
})
after(() => rmSync(root, { recursive: true, force: true }))

const collect = () => {
  const events: Array<PluginEvent> = []
  return { events, onEvent: (e: PluginEvent) => Effect.sync(() => void events.push(e)) }
}

describe("retrieval as a process plugin", () => {
  test("same name, version and code as the module; kind process", () => {
    assert.equal(proc.identity.kind, "process")
    assert.equal(proc.identity.name, "retrieval")
    assert.equal(proc.identity.version, mod.identity.version)
    assert.equal(proc.codeHash, mod.codeHash)
  })

  test("tune and answer through real subprocesses give the module plugin's predictions", async () => {
    const params = { chunk_size: 250 }
    const tuneSet = { id: "vqa-x", samples: train }
    const progress: Array<string> = []
    const ev = collect()
    await run(proc.tune({
      task: taskIn(root, "tune:vqa-x"),
      tuneSet,
      params,
      outDir: join(root, "m-proc"),
      onProgress: (p) => Effect.sync(() => void progress.push(`${p.done}/${p.total}`)),
      onEvent: ev.onEvent
    }))
    const n = train.length
    assert.deepEqual(progress, [250, 500, 750, n].map((d) => `${d}/${n}`))
    assert.equal(ev.events.filter((e) => e.event === "checkpoint").length, 4)
    await run(mod.tune({ task: taskIn(root, "tune:vqa-x-mod"), tuneSet, params, outDir: join(root, "m-mod") }))
    // the same model files, byte for byte
    for (const f of ["model.json", "postings.bin"]) {
      assert.ok(readFileSync(join(root, "m-proc", f)).equals(readFileSync(join(root, "m-mod", f))), f)
    }
    const items = evalSamples.flatMap(itemsOf)
    const answerProgress: Array<number> = []
    const pp = await run(proc.answer({
      task: taskIn(root, "predict:vqa-x"),
      modelDir: join(root, "m-proc"),
      items,
      params,
      onProgress: (p) => Effect.sync(() => void answerProgress.push(p.done))
    }))
    const pm = await run(mod.answer({ task: taskIn(root, "predict:vqa-x-mod"), modelDir: join(root, "m-mod"), items, params }))
    assert.equal(pp.size, items.length)
    assert.deepEqual([...pp].sort(), [...pm].sort())
    assert.equal(answerProgress.at(-1), items.length)
  })

  test("a crash mid-tune fails with the exit code and stderr; the rerun resumes from the checkpoint", async () => {
    const task = taskIn(root, "tune:crash")
    const tuneSet = { id: "vqa-x", samples: train }
    const params = { chunk_size: 200 }
    const e = await failure(proc.tune({ task, tuneSet, params, outDir: join(root, "m-crash"), run: { env: { REVO_TEST_CRASH_AFTER: "2" } } }))
    assert.equal(e._tag, "PluginExitError")
    assert.equal(
      e.message,
      `plugin "retrieval" (task tune:crash): exited with code 1; last lines of stderr:\nREVO_TEST_CRASH_AFTER=2: crashing on purpose after chunk 2`
    )
    assert.ok(existsSync(join(task.workDir, "checkpoints", "chunk-000001.json")))
    const ev = collect()
    await run(proc.tune({ task, tuneSet, params, outDir: join(root, "m-crash"), onEvent: ev.onEvent }))
    const chunks = Math.ceil(train.length / 200)
    assert.ok(ev.events.some((x) => x.event === "log" && x.message === `resumed from checkpoint: chunk 2 of ${chunks} (400 documents)`))
    assert.deepEqual(ev.events.filter((x) => x.event === "checkpoint").map((x) => (x as { step: number }).step), [3, 4, 5].slice(0, chunks - 2))
    const result = ev.events.find((x) => x.event === "result") as Record<string, unknown>
    assert.equal(result["resumedFromChunk"], 2)
    // the resumed model is the model an uninterrupted tune builds
    await run(mod.tune({ task: taskIn(root, "tune:crash-mod"), tuneSet, params, outDir: join(root, "m-crash-mod") }))
    assert.ok(readFileSync(join(root, "m-crash", "postings.bin")).equals(readFileSync(join(root, "m-crash-mod", "postings.bin"))))
    assert.equal(readFileSync(join(root, "m-crash", "model.json"), "utf8"), readFileSync(join(root, "m-crash-mod", "model.json"), "utf8"))
  })
})

describe("process plugin failure modes", () => {
  let bad: LoadedPlugin
  before(async () => {
    bad = await run(loadPlugin(fixture))
  })
  const items = () => evalSamples.slice(0, 8).flatMap(itemsOf)
  const tuneIn = (mode: string, env: Record<string, string> = {}) =>
    bad.tune({
      task: taskIn(root, `tune:${mode}`),
      tuneSet: { id: "t", samples: train.slice(0, 3) },
      params: {},
      outDir: join(root, `bad-${mode}`),
      run: { parentEnv: { ...process.env, REVO_TEST_MODE: mode, ...env } }
    })
  const answerIn = (mode: string) =>
    bad.answer({
      task: taskIn(root, `predict:${mode}`),
      modelDir: join(root, "nowhere"),
      items: items(),
      params: {},
      run: { parentEnv: { ...process.env, REVO_TEST_MODE: mode } }
    })

  test("non-zero exit: the code and the last lines of stderr", async () => {
    const e = await failure(tuneIn("exit3"))
    assert.equal(e.message, `plugin "misbehave" (task tune:exit3): exited with code 3; last lines of stderr:\nloading weights\nCUDA error: out of memory`)
  })

  test("crash (killed by a signal)", async () => {
    const e = await failure(tuneIn("crash"))
    assert.equal(e._tag, "PluginExitError")
    // the executor names the signal and gives the shell's exit code for it (128 + 9)
    assert.equal(e.message, `plugin "misbehave" (task tune:crash): was killed by SIGKILL (exit code 137); last lines of stderr:\nabout to segfault`)
  })

  test("bad JSON on stdout: the line number, and the plugin is stopped at once", async () => {
    const t0 = Date.now()
    const e = await failure(tuneIn("badjson"))
    assert.equal(e.message, `plugin "misbehave" (task tune:badjson): bad event on stdout line 2: not JSON: "Loading checkpoint shards: 100%"`)
    assert.ok(Date.now() - t0 < 15_000, "the plugin was not left running")
  })

  test("a JSON line that is not an event", async () => {
    const e = await failure(tuneIn("badevent"))
    assert.match(e.message, /^plugin "misbehave" \(task tune:badevent\): bad event on stdout line 2: not a valid event \(.*\): \{"event":"progress","done":"half"\}$/)
  })

  test("exit 0 without a result event", async () => {
    const e = await failure(tuneIn("noresult"))
    assert.equal(e.message, `plugin "misbehave" (task tune:noresult): exited 0 without a result event (1 stdout lines read)`)
  })

  test("no predictions file, and missing predictions", async () => {
    const e1 = await failure(answerIn("nopredictions"))
    assert.equal(
      e1.message,
      `plugin "misbehave" (task predict:nopredictions): exited 0 but wrote no predictions file (${join(root, "work", "kpredictnopredictions", "predictions.jsonl")})`
    )
    const its = items()
    const e2 = await failure(answerIn("missing"))
    assert.equal(
      e2.message,
      `plugin "misbehave" (task predict:missing): missing predictions for 3 of ${its.length} items (first: ${its.slice(0, 3).map((i) => i.id).join(", ")})`
    )
  })

  test("env policy: PATH/HOME/LANG and granted names only; HF_TOKEN only when the spec grants it", async () => {
    const keysOf = async (grant: ReadonlyArray<string>) => {
      const ev = collect()
      await run(bad.tune({
        task: taskIn(root, `tune:env${grant.length}`),
        tuneSet: { id: "t", samples: train.slice(0, 3) },
        params: {},
        outDir: join(root, "bad-env"),
        onEvent: ev.onEvent,
        run: {
          grantEnv: grant,
          parentEnv: { PATH: process.env["PATH"]!, HOME: "/h", LANG: "C.UTF-8", REVO_TEST_MODE: "env", HF_TOKEN: "hf_secret", AWS_SECRET: "s" }
        }
      }))
      const log = ev.events.find((x) => x.event === "log") as { message: string }
      return JSON.parse(log.message) as Array<string>
    }
    // the manifest asks for HF_TOKEN too: a manifest alone cannot get a secret
    assert.deepEqual(await keysOf([]), ["HOME", "LANG", "PATH", "REVO_PLUGIN_DIR", "REVO_REQUEST", "REVO_TEST_MODE"])
    assert.deepEqual(await keysOf(["HF_TOKEN"]), ["HF_TOKEN", "HOME", "LANG", "PATH", "REVO_PLUGIN_DIR", "REVO_REQUEST", "REVO_TEST_MODE"])
  })

  test("load errors: unknown name, missing manifest, invalid manifest", async () => {
    const e1 = await failure(loadPlugin("no-such-plugin"))
    assert.match(e1.message, /^plugin "no-such-plugin" not found: not built in \(retrieval\) and no revo-plugin\.json named "no-such-plugin" under /)
    const e2 = await failure(loadPlugin(join(root, "nowhere")))
    assert.equal(e2.message, `plugin "${join(root, "nowhere")}": no revo-plugin.json in ${join(root, "nowhere")}`)
  })
})
