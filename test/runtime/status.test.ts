/**
 * `revo status` tells the truth about the last run, with real runs: "running" only while the
 * run's process holds the store, "stopped" after a kill -9 (whose lock file stays behind),
 * "finished" after a successful `revo report`, and no stack trace on a torn journal line.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { revo, mainTs } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"

const main = mainTs

describe("revo status", () => {
  it("running while the run holds the store, stopped after kill -9, tolerant of a torn journal line, finished after run and report", async () => {
    const s = smallSpec({ process: true })
    const status = () => {
      const r = revo(["status", s.spec, "--store", s.store])
      assert.equal(r.code, 0, r.stderr)
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace")
      return r.stdout
    }
    const child = spawn(process.execPath, [main, "run", s.spec, "--store", s.store, "-j", "2"], { stdio: "ignore" })
    const runs = join(s.dir, "results", "small", "runs")
    const journal = () => {
      const id = existsSync(runs) ? readdirSync(runs).sort().at(-1) : undefined
      return id === undefined ? undefined : join(runs, id, "events.jsonl")
    }
    const exited = new Promise<void>((r) => child.on("exit", () => r()))
    while (true) {
      const j = journal()
      if (j !== undefined && existsSync(j) && (readFileSync(j, "utf8").match(/"event":"done"/g) ?? []).length >= 6) break
      await new Promise((r) => setTimeout(r, 50))
    }
    const live = status()
    assert.match(live, /small: last run .* — running/)
    assert.ok(live.includes(`(\`revo run ${s.spec}\`, pid ${child.pid} on `), live)
    child.kill("SIGKILL")
    await exited
    assert.ok(existsSync(join(s.store, "lock")), "kill -9 leaves the lock file behind")
    const stopped = status()
    assert.match(stopped, /— stopped before finishing \(crash or kill\)/)
    assert.match(stopped, /unfinished \d+/)
    assert.doesNotMatch(stopped, /— running/)

    // A kill while appending leaves half a line.
    appendFileSync(journal()!, '{"event":"done","task":"tune:coc')
    const torn = status()
    assert.match(torn, /— stopped before finishing/)
    assert.match(torn, /note: 1 journal line\(s\) could not be read/)
    const json = JSON.parse(revo(["status", s.spec, "--store", s.store, "--json"]).stdout) as { state: string; torn_journal_lines: number }
    assert.equal(json.torn_journal_lines, 1)

    assert.equal(revo(["run", s.spec, "--store", s.store]).code, 0)
    assert.match(status(), /— finished \(`revo run /)
    const report = revo(["report", s.spec, "--store", s.store])
    assert.equal(report.code, 0, report.stderr)
    const after = status()
    assert.match(after, /— finished \(`revo report /)
    assert.doesNotMatch(after, /stopped before finishing/)

    // Ctrl-C: the run writes its summary, marked interrupted, and status says so.
    const again = spawn(process.execPath, [main, "run", s.spec, "--store", s.store, "--force", "*"], { stdio: "ignore" })
    const againExited = new Promise<number | null>((r) => again.on("exit", (code) => r(code)))
    while (true) {
      const j = journal()
      if (j !== undefined && j.includes(`-${again.pid}/`) && existsSync(j) && (readFileSync(j, "utf8").match(/"event":"done"/g) ?? []).length >= 3) break
      await new Promise((r) => setTimeout(r, 50))
    }
    again.kill("SIGINT")
    assert.equal(await againExited, 130)
    assert.match(status(), /— interrupted \(`revo run /)
  })
})
