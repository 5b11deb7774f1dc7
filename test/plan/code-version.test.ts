/**
 * Task versions from the import graph, end to end: in a copy of the project, a real run of the
 * small spec, then edits to revo's own sources and `revo plan`: editing a module the report step
 * imports reruns the report (the stale-report bug: src/quality/sq.ts and src/report/* were
 * missing from or outside its hand-kept list), editing an unrelated module reruns nothing, and
 * editing the `revo score` command's I/O (metrics/jsonl.ts) does not score again.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { appendFileSync, cpSync, mkdtempSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { repoRoot } from "../support/cli.ts"
import { lastRunEvents, smallSpec } from "../support/small-spec.ts"

interface Row { readonly task: string; readonly status: "cached" | "run"; readonly reason?: string }

describe("task versions follow the code each step imports", () => {
  const copy = mkdtempSync(join(tmpdir(), "revo-copy-"))
  for (const p of ["src", "plugins", "bin", "package.json"]) cpSync(join(repoRoot, p), join(copy, p), { recursive: true })
  symlinkSync(join(repoRoot, "node_modules"), join(copy, "node_modules"))
  const s = smallSpec()
  const revo = (...args: Array<string>) => {
    const r = spawnSync(process.execPath, [join(copy, "src/cli/main.ts"), ...args, "--store", s.store], { cwd: s.dir, encoding: "utf8", timeout: 600_000 })
    assert.equal(r.status, 0, r.stderr)
    return r.stdout
  }
  const plan = (): Array<Row> => (JSON.parse(revo("plan", s.spec, "--json")) as { tasks: Array<Row> }).tasks
  const toRun = () => plan().filter((r) => r.status === "run")
  /** Tasks that must run for a reason of their own, not only because an upstream task runs first. */
  const changed = (rows: ReadonlyArray<Row>) => rows.filter((r) => !r.reason?.startsWith("after ")).map((r) => r.task)
  const edit = (file: string) => appendFileSync(join(copy, file), "\n// an edit\n")

  it("a run leaves nothing to do", () => {
    // Their outputs come out the same (early cutoff), so only the report's own version makes it
    // run again: before, it stayed cached and report.json kept the old summaries.
    revo("run", s.spec)
    const events = lastRunEvents(s)
    assert.ok(events.some((e) => e.task === "report" && e.event === "done"), "the report was not rebuilt")
    assert.deepEqual(toRun(), [])
  })

  it("editing a module only the report imports reruns the report and nothing else", () => {
    edit("src/report/render-md.ts")
    assert.deepEqual(toRun().map((r) => [r.task, r.reason]), [["report", "implementation version changed"]])
    revo("run", s.spec)
  })

  it("editing src/quality/sq.ts (the report's summarize) reruns the report", () => {
    edit("src/quality/sq.ts")
    const rows = toRun()
    try {
      assert.ok(rows.some((r) => r.task === "report"))
      // Only the quality steps (they import sq.ts too) change of their own; nothing upstream of them.
      const own = changed(rows)
      assert.ok(own.includes("aggregate"), JSON.stringify(own))
      assert.deepEqual(own.filter((t) => !["aggregate", "sq", "select", "proof"].includes(t)), [])
    } finally {
      // Their outputs come out the same (early cutoff), so only the report's own version makes it
      // run again: before, it stayed cached and report.json kept the old summaries.
      revo("run", s.spec)
    }
    const events = lastRunEvents(s)
    assert.ok(events.some((e) => e.task === "report" && e.event === "done"), "the report was not rebuilt")
    assert.deepEqual(toRun(), [])
  })

  it("editing a module no step imports reruns nothing", () => {
    for (const f of ["src/cli/status.ts", "src/hub/publish.ts", "src/runtime/progress.ts"]) edit(f)
    assert.deepEqual(toRun(), [])
  })

  it("editing the score command's I/O (metrics/jsonl.ts) scores nothing again", () => {
    edit("src/metrics/jsonl.ts")
    assert.deepEqual(toRun(), [])
  })

  it("editing a metric scores again", () => {
    edit("src/metrics/rouge.ts")
    const own = changed(toRun())
    assert.ok(own.length > 10)
    assert.deepEqual(own.filter((t) => !t.startsWith("score:")), [])
  })
})
