/**
 * What `revo run` and `revo report` tell the user when a run does not simply succeed, through
 * the real CLI on real data: a failed run does not pass off an earlier run's report as its own
 * results; Ctrl-C prints a summary and journals the interrupted tasks; `revo report` during a
 * run names the run that holds the store.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { copyFileSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { repoRoot, revo, mainTs } from "../support/cli.ts"
import { lastRunEvents, smallSpec } from "../support/small-spec.ts"

const main = mainTs
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Processes whose working directory is inside `dir` (Linux /proc). */
const processesIn = (dir: string): Array<number> =>
  readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      return readlinkSync(`/proc/${p}/cwd`).startsWith(dir) ? [Number(p)] : []
    } catch {
      return []
    }
  })

describe("runtime: what a run says when it does not simply succeed", () => {
  it("a failed run says the results folder is stale and which run wrote it", () => {
    const s = smallSpec()
    const first = revo(["run", s.spec, "--store", s.store])
    assert.equal(first.code, 0, first.stderr)
    const firstRun = readdirSync(join(s.dir, "results", "small", "runs")).sort()[0]!
    // Another configuration whose tune of one dataset fails: no new report.
    const p = join(s.dir, "broken")
    mkdirSync(p)
    copyFileSync(join(repoRoot, "plugins/example-echo/plugin.py"), join(p, "plugin.py"))
    writeFileSync(join(p, "wrapper.sh"), `#!/bin/bash
if grep -q '"label": *"tune:coco-mini"' request.json; then echo "no GPU" >&2; exit 3; fi
exec python3 "$REVO_PLUGIN_DIR/plugin.py"
`)
    writeFileSync(join(p, "revo-plugin.json"), JSON.stringify({ name: "broken", version: "0.0.1", kind: "process", capabilities: ["tune", "answer"], command: ["bash", "wrapper.sh"] }))
    const second = revo(["run", s.spec, "--store", s.store, "--set", `backend.plugin=${p}`])
    assert.equal(second.code, 1)
    const results = join(s.dir, "results", "small")
    assert.doesNotMatch(second.stderr, /\(unchanged\)/)
    assert.match(second.stderr, new RegExp(`The results in ${escape(results)} are stale: they were written by run ${firstRun} \\(an earlier configuration of the spec\\), not by this one; journal `))
  })

  it("`revo report` during a run names the run holding the store; Ctrl-C prints a summary and journals the interrupted tasks", async () => {
    const s = smallSpec({ process: true })
    const child = spawn(process.execPath, [main, "run", s.spec, "--store", s.store], { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (d) => (stderr += d))
    const deadline = Date.now() + 120_000
    while (processesIn(s.store).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.ok(processesIn(s.store).length > 0, "a plugin process was running")

    const report = revo(["report", s.spec, "--store", s.store])
    assert.equal(report.code, 2)
    const runId = readdirSync(join(s.dir, "results", "small", "runs"))[0]!
    assert.match(report.stderr, new RegExp(`The store ${escape(s.store)} is in use by \`revo run ${escape(s.spec)}\`, run ${runId} \\(pid ${child.pid} on `))
    assert.doesNotMatch(report.stderr, /interrupted/)

    child.kill("SIGINT")
    const code = await new Promise<number | null>((r) => child.on("close", r))
    assert.equal(code, 130)
    assert.match(stderr, /Interrupted after [0-9.]+s: \d+ task\(s\) run, 0 cached, 0 failed of \d+; the tasks that were running are journaled as interrupted and rerun next time\. No report was written: .* holds no results yet; journal .*events\.jsonl/)
    const events = lastRunEvents(s)
    const started = new Set(events.filter((e) => e.event === "start").map((e) => e.task))
    const ended = new Set(events.filter((e) => e.event === "done" || e.event === "failed").map((e) => e.task))
    const interrupted = events.filter((e) => e.event === "interrupted").map((e) => e.task)
    assert.ok(interrupted.length > 0, "some task was journaled as interrupted")
    assert.deepEqual(interrupted.sort(), [...started].filter((t) => !ended.has(t)).sort())
  })
})
