/**
 * hf-vlm's pure parts (plain Python, no torch) through python3's unittest: params against the
 * manifest's schema, LLaVA-1.5 prompts, label masks over whole conversations, truncation of the
 * end only, the step plan and cosine schedule, LoRA targets, image census, exit codes (75 for
 * OOM, a busy or absent GPU, Hub time-outs), events without NaN, and the device check's event
 * printer and shell syntax. Plus its manifest.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { test } from "node:test"
import { loadPlugin } from "../../src/backends/registry.ts"
import { run } from "./support/tasks.ts"

const dir = fileURLToPath(new URL("../../plugins/hf-vlm/", import.meta.url))

test("hf-vlm: python3 -m unittest discover (test_protocol, test_print_events; test_torch_paths where torch is)", () => {
  const r = spawnSync("python3", ["-B", "-m", "unittest", "discover", "-v", "-p", "test_*.py"], { cwd: dir, encoding: "utf8" })
  rmSync(`${dir}__pycache__`, { recursive: true, force: true })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /Ran (\d+) tests/)
  assert.ok(Number(/Ran (\d+) tests/.exec(r.stderr)![1]) >= 30)
  for (const name of ["test_sentencepiece_prefix_space_belongs_to_the_answer_not_a_lone_token", "test_transient_failures_exit_75",
    "test_a_stray_line_is_shown_and_fails_but_reading_goes_on", "test_image_expansion_and_truncation_of_the_end_only"]) {
    assert.match(r.stderr, new RegExp(`${name} .*ok`))
  }
  // test_torch_paths runs where python3 has torch (the GPU machine) and is skipped here
  assert.match(r.stderr, /\nOK( \(skipped=\d+\))?\n/)
})

test("hf-vlm manifest: a GPU process plugin found by name", async () => {
  const p = await run(loadPlugin("hf-vlm"))
  assert.equal(p.identity.kind, "process")
  assert.deepEqual(p.manifest.command, ["python3", "main.py"])
  assert.equal(p.manifest.resources?.gpus, 1)
  assert.deepEqual([p.manifest.inputs, p.manifest.demo], [["text", "image"], false])
  assert.ok(!(p.manifest.env ?? []).includes("HF_TOKEN"), "a token is granted by the spec, never by the manifest")
})
