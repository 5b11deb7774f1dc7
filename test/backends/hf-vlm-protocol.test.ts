/** hf-vlm's protocol layer (plain Python, no torch) through python3's unittest, plus its manifest. */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { test } from "node:test"
import { loadPlugin } from "../../src/backends/registry.ts"
import { run } from "./support/tasks.ts"

const dir = fileURLToPath(new URL("../../plugins/hf-vlm/", import.meta.url))

test("hf-vlm protocol layer: python3 -m unittest test_protocol", () => {
  const r = spawnSync("python3", ["-B", "-m", "unittest", "-v", "test_protocol"], { cwd: dir, encoding: "utf8" })
  rmSync(`${dir}__pycache__`, { recursive: true, force: true })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /Ran (\d+) tests/)
  assert.ok(Number(/Ran (\d+) tests/.exec(r.stderr)![1]) >= 10)
  assert.match(r.stderr, /\nOK\n/)
})

test("hf-vlm manifest: a GPU process plugin found by name", async () => {
  const p = await run(loadPlugin("hf-vlm"))
  assert.equal(p.identity.kind, "process")
  assert.deepEqual(p.manifest.command, ["python3", "main.py"])
  assert.equal(p.manifest.resources?.gpus, 1)
  assert.ok(!(p.manifest.env ?? []).includes("HF_TOKEN"), "a token is granted by the spec, never by the manifest")
})
