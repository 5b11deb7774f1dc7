/**
 * backend.resources.time on the local executor, with a real hung plugin: the task's whole
 * process group is killed at the limit, the failure names the limit and where to raise it, the
 * rest of the matrix completes, and `executor.retry` reruns a timeout with more time, as Slurm
 * TIMEOUTs are (the same spec keys).
 */
import assert from "node:assert/strict"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { repoRoot, revo } from "../support/cli.ts"
import { lastRunEvents, smallSpec } from "../support/small-spec.ts"

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
  } catch {
    return false
  }
}

describe("local executor: backend.resources.time", () => {
  it("a hung plugin is killed with its process group at the limit, retried once with more time, and fails naming the limit", () => {
    const s = smallSpec()
    const p = join(s.dir, "hangs")
    mkdirSync(p, { recursive: true })
    copyFileSync(join(repoRoot, "plugins/example-echo/plugin.py"), join(p, "plugin.py"))
    // The tune of one dataset hangs, holding a child in its process group (as a stuck data loader would).
    writeFileSync(join(p, "wrapper.sh"), `#!/bin/bash
if grep -q '"label": *"tune:llava-bench-coco"' request.json; then
  sleep 600 &
  echo $! >> hung-children.pid
  echo "stuck in the data loader" >&2
  wait
fi
exec python3 "$REVO_PLUGIN_DIR/plugin.py"
`)
    writeFileSync(join(p, "revo-plugin.json"), JSON.stringify({ name: "hangs", version: "0.0.1", kind: "process", capabilities: ["tune", "answer"], command: ["bash", "wrapper.sh"] }))
    const t0 = Date.now()
    const r = revo(["run", s.spec, "--store", s.store, "--set", `backend.plugin=${p}`, "--set", "backend.resources.time=0:20",
      "--set", "backend.executor={kind: local, retry: {max: 1, time_factor: 1.5}}"], { timeout: 400_000 })
    const seconds = (Date.now() - t0) / 1000
    assert.notEqual(r.code, null, "the run hung (killed by the test's own timeout)")
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /tune:llava-bench-coco: plugin "hangs" \(task tune:llava-bench-coco\): local job tune:llava-bench-coco \(pid \d+\) exceeded its time limit of 0:00:30 \(backend\.resources\.time\) after 2 attempts with growing limits; its process group was killed/)
    assert.ok(seconds >= 50, `20 s + 30 s of limits, took ${seconds}`)
    // Every process of both attempts' groups is gone.
    const work = join(s.store, "work")
    const pidFile = readdirSync(work).map((k) => join(work, k, "hung-children.pid")).find(existsSync)!
    const children = readFileSync(pidFile, "utf8").trim().split("\n").map(Number)
    assert.equal(children.length, 2, "two attempts")
    for (const c of children) assert.ok(!alive(c), `child ${c} of the hung plugin outlived the time limit`)
    const ev = lastRunEvents(s)
    const failed = ev.find((e) => e.task === "tune:llava-bench-coco" && e.event === "failed")!
    assert.match(failed.error!, /stuck in the data loader/, "the failure quotes the plugin's stderr")
    assert.equal(ev.filter((e) => e.task === "predict:coco-mini@llava-instruct-100.eval").at(-1)?.event, "done", "the rest of the matrix completed")
    const log = readFileSync(join(s.store, "logs", `${readdirSync(work).find((k) => existsSync(join(work, k, "hung-children.pid")))}.log`), "utf8")
    assert.match(log, /time limit 0:20 reached: killed process group \d+/)
    assert.match(log, /exceeded its time limit of 0:20 \(backend\.resources\.time\); retrying with time=0:00:30/)
  })
})
