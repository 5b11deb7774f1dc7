/**
 * What every plugin's manifest declares (inputs, demo, a params JSON Schema) and what revo does
 * with it: `revo validate` checks backend.params against the schema with located errors and
 * did-you-mean, names an unknown plugin at its line, and a built-in module plugin on a non-local
 * executor runs through its process form instead of silently in process.
 */
import assert from "node:assert/strict"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { isDemo, pluginInputs } from "../../src/backends/contract.ts"
import { checkParams, schemaProblems } from "../../src/backends/params-schema.ts"
import { loadPlugin, type PluginLoadOptions, Plugins } from "../../src/backends/registry.ts"
import { openSession } from "../../src/cli/run.ts"
import { TaskStore } from "../../src/runtime/task-store.ts"
import { RetrievalParams } from "../../plugins/retrieval/model.ts"
import { repoRoot, revo } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"
import { run, tempDir } from "./support/tasks.ts"

const env = { ...process.env, REVO_DATA_ROOT: "" }
const lion = join(repoRoot, "experiments/revo-lion.yaml")
const manifestOf = (name: string) => JSON.parse(readFileSync(join(repoRoot, "plugins", name, "revo-plugin.json"), "utf8")) as Record<string, unknown>

/** A copy of revo-lion.yaml with one line replaced, and the 1-based line and column of the replacement's `col` text. */
const plant = (from: string, to: string, col: string) => {
  const text = readFileSync(lion, "utf8")
  assert.ok(text.includes(from), `revo-lion.yaml has ${from}`)
  const out = text.replace(from, to)
  const file = join(tempDir("lion"), "revo-lion.yaml")
  writeFileSync(file, out)
  const lines = out.split("\n")
  const line = lines.findIndex((l) => l.includes(to.split("\n")[0]!)) + 1
  return { file, line, col: lines[line - 1]!.indexOf(col) + 1 }
}

describe("plugin manifests", () => {
  it("declare what they see, whether they are a demo, and a params schema revo accepts", async () => {
    const expected: Record<string, { inputs: Array<string>; demo: boolean }> = {
      "retrieval": { inputs: ["text"], demo: true },
      "hf-vlm": { inputs: ["text", "image"], demo: false },
      "example-echo": { inputs: ["text"], demo: true }
    }
    for (const [name, want] of Object.entries(expected)) {
      const p = await run(loadPlugin(name))
      assert.deepEqual(pluginInputs(p.manifest), want.inputs, name)
      assert.equal(isDemo(p.manifest), want.demo, name)
      assert.deepEqual(schemaProblems(p.manifest.params), [], name)
    }
    // the built-in module form declares the same as its process form
    const viaProcess = await run(loadPlugin(join(repoRoot, "plugins/retrieval")))
    const builtin = await run(loadPlugin("retrieval"))
    assert.equal(builtin.identity.kind, "module")
    assert.deepEqual(builtin.manifest.params, viaProcess.manifest.params)
    assert.deepEqual([builtin.manifest.inputs, builtin.manifest.demo], [viaProcess.manifest.inputs, viaProcess.manifest.demo])
  })

  it("retrieval's schema names exactly the params its code accepts, with the code's bounds", () => {
    const props = (manifestOf("retrieval")["params"] as { properties: Record<string, unknown> }).properties
    assert.deepEqual(Object.keys(props).sort(), Object.keys(RetrievalParams.fields).sort())
    const decodes = (v: unknown) => {
      try {
        Schema.decodeUnknownSync(RetrievalParams)(v, { onExcessProperty: "error" })
        return true
      } catch {
        return false
      }
    }
    for (const v of [{ k1: -1 }, { b: 1.5 }, { fields: [] }, { fields: ["title"] }, { chunk_size: 0 }, { chunk_size: 2.5 }, { k1: 1.5, b: 0.3, fields: ["history"], chunk_size: 10 }]) {
      assert.equal(checkParams(manifestOf("retrieval")["params"], v).length === 0, decodes(v), JSON.stringify(v))
    }
  })

  it("a manifest with a JSON Schema keyword revo does not check is refused at load", async () => {
    const dir = tempDir("badschema")
    writeFileSync(join(dir, "revo-plugin.json"), JSON.stringify({
      name: "bad-schema", version: "1", kind: "process", capabilities: ["tune"], command: ["python3", "x.py"],
      params: { type: "object", properties: { n: { type: "integer", multipleOf: 2 } } }
    }))
    const exit = await Effect.runPromiseExit(loadPlugin(dir))
    assert.ok(exit._tag === "Failure")
    assert.match(String(exit.cause), /unsupported JSON Schema keyword "multipleOf"/)
  })
})

describe("revo validate checks backend.params against the plugin's manifest", () => {
  it("revo-lion.yaml validates, and says what its backend sees", () => {
    const r = revo(["validate", lion], { env })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /backend hf-vlm 0\.2\.0 \(sees text\+image, params checked\) on slurm/)
  })

  it("a wrong param name is a located error with a suggestion", () => {
    const p = plant("    save_every: 500", "    save_evry: 500", "save_evry")
    const r = revo(["validate", p.file], { env })
    assert.equal(r.code, 2)
    assert.equal(r.stderr.trim(), `${p.file}:${p.line}:${p.col} backend.params.save_evry: Unknown key "save_evry" (did you mean "save_every"?)`)
  })

  it("the names the old spec used are rejected where they stand, all at once", () => {
    const p = plant("    lora: true", "    lora: { r: 16, alpha: 32 }\n    checkpoint_every: 500\n    decoding: { max_new_tokens: 128 }", "{")
    const r = revo(["validate", p.file, "--set", "backend.params.lora_r=16.5"], { env })
    assert.equal(r.code, 2)
    const lines = r.stderr.trim().split("\n")
    assert.equal(lines.length, 4, r.stderr)
    assert.equal(lines[0], `${p.file} backend.params.lora_r: --set backend.params.lora_r=16.5: Expected an integer, got 16.5`)
    // lora was a mapping; it is a boolean now (LoRA's sizes are lora_r, lora_alpha, lora_dropout)
    assert.equal(lines[1], `${p.file}:${p.line}:${p.col} backend.params.lora: Expected a boolean, got a mapping`)
    assert.ok(lines[2]!.startsWith(`${p.file}:${p.line + 1}:5 backend.params.checkpoint_every: Unknown key "checkpoint_every" (known keys: `), lines[2])
    assert.ok(lines[3]!.startsWith(`${p.file}:${p.line + 2}:5 backend.params.decoding: Unknown key "decoding" (known keys: `), lines[3])
  })

  it("types, bounds, enums and nested tiny params are checked, --set overrides included", () => {
    const p = plant("    lora_alpha: 256", "    lora_alpha: -1", "-1")
    const r = revo(["validate", p.file, "--set", "backend.params.lr_scheduler=cosin", "--set", "backend.params.tiny.depth=3"], { env })
    assert.equal(r.code, 2)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `${p.file} backend.params.lr_scheduler: --set backend.params.lr_scheduler=cosin: Expected one of "cosine", "linear", "constant", got "cosin" (did you mean "cosine"?)`,
      `${p.file} backend.params.tiny.depth: --set backend.params.tiny.depth=3: Unknown key "depth" (known keys: heads, hidden_size, image_size, layers, patch_size)`,
      `${p.file}:${p.line}:${p.col} backend.params.lora_alpha: Expected a value > 0, got -1`
    ])
  })

  it("an unknown plugin is a located error with a suggestion", () => {
    const p = plant("  plugin: hf-vlm", "  plugin: hf-vml", "hf-vml")
    const r = revo(["validate", p.file], { env })
    assert.equal(r.code, 2)
    assert.match(r.stderr, new RegExp(`^${p.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${p.line}:${p.col} backend\\.plugin: plugin "hf-vml" not found: .*\\(did you mean "hf-vlm"\\?\\)\\n$`))
  })

  it("retrieval and example-echo params are checked the same way", () => {
    const s = smallSpec()
    const text = readFileSync(s.spec, "utf8")
    writeFileSync(s.spec, text.replace("  plugin: retrieval\n", "  plugin: retrieval\n  params: { k1: 1.2, b: 2, fieds: [instruction] }\n"))
    const r = revo(["validate", s.spec], { env })
    assert.equal(r.code, 2)
    const line = readFileSync(s.spec, "utf8").split("\n").findIndex((l) => l.includes("fieds")) + 1
    const at = (t: string) => readFileSync(s.spec, "utf8").split("\n")[line - 1]!.indexOf(t) + 1
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `${s.spec}:${line}:${at("b: 2") + 3} backend.params.b: Expected a value <= 1, got 2`,
      `${s.spec}:${line}:${at("fieds")} backend.params.fieds: Unknown key "fieds" (did you mean "fields"?)`
    ])
    writeFileSync(s.spec, text.replace("  plugin: retrieval\n", "  plugin: example-echo\n  params: { k1: 1 }\n"))
    const echo = revo(["validate", s.spec], { env })
    assert.equal(echo.code, 2)
    assert.match(echo.stderr, /backend\.params\.k1: Unknown key "k1" \(this plugin takes no params\)/)
  })
})

describe("a built-in module plugin on a non-local executor", () => {
  it("is loaded in its process form (plugins/retrieval/cli.ts), so its tasks reach the executor", async () => {
    const local = await run(loadPlugin("retrieval", { executor: "local" }))
    const slurm = await run(loadPlugin("retrieval", { executor: "slurm" }))
    assert.equal(local.identity.kind, "module")
    assert.equal(slurm.identity.kind, "process")
    assert.deepEqual(slurm.manifest.command, ["node", "cli.ts"])
    assert.equal(slurm.identity.codeHash, local.identity.codeHash)
    assert.equal(slurm.identity.version, local.identity.version)
  })

  it("the run's tune tasks carry the process form when the spec says slurm", async () => {
    const s = smallSpec()
    const text = readFileSync(s.spec, "utf8")
    writeFileSync(s.spec, text.replace("  plugin: retrieval\n", "  plugin: retrieval\n  executor: { kind: slurm, partition: debug }\n"))
    const session = await run(openSession({ spec: s.spec, set: [], dataRoot: Option.none(), store: Option.some(s.store) }).pipe(Effect.provide(TaskStore.layer(s.store))))
    const tunes = session.tasks.filter((t) => t.label.startsWith("tune:"))
    assert.ok(tunes.length >= 3)
    for (const t of tunes) assert.equal((t.params as { plugin: { kind: string } }).plugin.kind, "process", t.label)
    const r = revo(["validate", s.spec], { env })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /backend retrieval 1\.0\.0 \(sees text, demo, params checked, built in, run through its process form\) on slurm/)
  })
})

describe("the plugin registry in the context", () => {
  it("openSession loads the spec's plugin through the Plugins registry its context holds", async () => {
    const s = smallSpec()
    const asked: Array<string> = []
    // A registry that serves example-echo whatever the spec names (the spec says retrieval).
    const registry = { load: (ref: string, options?: PluginLoadOptions) => Effect.sync(() => void asked.push(ref)).pipe(Effect.andThen(loadPlugin("example-echo", options))) }
    const session = await run(openSession({ spec: s.spec, set: [], dataRoot: Option.none(), store: Option.some(s.store) }).pipe(
      Effect.provide(TaskStore.layer(s.store)),
      Effect.provideService(Plugins, registry)
    ))
    assert.deepEqual(asked, ["retrieval"])
    const tunes = session.tasks.filter((t) => t.label.startsWith("tune:"))
    assert.ok(tunes.length >= 3)
    for (const t of tunes) assert.equal((t.params as { plugin: { name: string } }).plugin.name, "example-echo", t.label)
  })
})
