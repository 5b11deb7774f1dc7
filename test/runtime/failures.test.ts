/**
 * Failures through the real runtime, with real plugin processes: a transient failure (exit 75,
 * EX_TEMPFAIL) is retried with backoff and the run succeeds; a task that fails for good fails
 * only what depends on it, the rest of the matrix completes, and the run exits 1 listing it.
 */
import assert from "node:assert/strict"
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { repoRoot, revo } from "../support/cli.ts"
import { lastRunEvents, smallSpec } from "../support/small-spec.ts"

/** The example plugin behind a shell wrapper that misbehaves as told. */
const wrappedPlugin = (dir: string, name: string, wrapper: string): string => {
  const p = join(dir, name)
  mkdirSync(p, { recursive: true })
  copyFileSync(join(repoRoot, "plugins/example-echo/plugin.py"), join(p, "plugin.py"))
  writeFileSync(join(p, "wrapper.sh"), wrapper)
  writeFileSync(join(p, "revo-plugin.json"), JSON.stringify({
    name, version: "0.0.1", kind: "process", capabilities: ["tune", "answer"], command: ["bash", "wrapper.sh"]
  }))
  return p
}


describe("runtime: failures", () => {
  it("a transient failure (exit 75) is retried and the run completes", () => {
    const s = smallSpec()
    // First attempt of every tune task: "try again later".
    const plugin = wrappedPlugin(s.dir, "flaky", `#!/bin/bash
if grep -q '"op": *"tune"' request.json && [ ! -e .attempted ]; then touch .attempted; echo "GPU busy, try again" >&2; exit 75; fi
exec python3 "$REVO_PLUGIN_DIR/plugin.py"
`)
    const r = revo(["run", s.spec, "--store", s.store, "--set", `backend.plugin=${plugin}`])
    assert.equal(r.code, 0, r.stderr)
    const ev = lastRunEvents(s)
    const retried = new Set(ev.filter((e) => e.event === "retry").map((e) => e.task))
    assert.ok(retried.has("tune:coco-mini") && retried.has("tune:union"), [...retried].join(" "))
    assert.match(ev.find((e) => e.event === "retry")!.error!, /exited with code 75; last lines of stderr:\nGPU busy, try again/)
    assert.ok(!ev.some((e) => e.event === "failed"))
  })

  it("a task that fails for good fails only what depends on it; the run exits 1 listing it", () => {
    const s = smallSpec()
    const plugin = wrappedPlugin(s.dir, "broken", `#!/bin/bash
if grep -q '"label": *"tune:llava-bench-coco"' request.json; then echo "out of patience" >&2; exit 3; fi
exec python3 "$REVO_PLUGIN_DIR/plugin.py"
`)
    const r = revo(["run", s.spec, "--store", s.store, "--set", `backend.plugin=${plugin}`])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /1 task\(s\) failed:\n {2}- tune:llava-bench-coco: plugin "broken" \(task tune:llava-bench-coco\): exited with code 3/)
    const ev = lastRunEvents(s)
    const outcome = (t: string) => ev.filter((e) => e.task === t).at(-1)?.event
    assert.equal(outcome("tune:llava-bench-coco"), "failed")
    assert.equal(outcome("predict:llava-bench-coco@coco-mini.eval"), "skipped")
    assert.equal(outcome("report"), "skipped")
    // The rest of the matrix completed: computed, or found in the store when a task with the
    // same key (the echo plugin's models can come out byte-identical) finished first.
    const completed = (t: string) => ["done", "cached"].includes(outcome(t) ?? "")
    assert.ok(completed("predict:coco-mini@llava-instruct-100.eval"), outcome("predict:coco-mini@llava-instruct-100.eval"))
    assert.ok(completed("score:llava-instruct-100@llava-bench-coco.eval"), outcome("score:llava-instruct-100@llava-bench-coco.eval"))
    const status = revo(["status", s.spec, "--store", s.store])
    assert.match(status.stdout, /failed {2}tune:llava-bench-coco: plugin "broken"/)
  })
})
