/**
 * bin/revo.js as users start it. Under an older system Node (`node bin/revo.js` with Node 20)
 * it starts the pinned Node 24 as a child: INT, TERM and HUP sent to the launcher must stop the
 * real revo cleanly (before: the launcher exited 130 at once and the real revo, re-parented to
 * PID 1, kept the store's lock and ran every task), and the launcher exits with revo's code.
 * Run as a program, the launcher is no process at all (the shell line execs the pinned Node).
 */
import assert from "node:assert/strict"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { repoRoot } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"

const launcher = join(repoRoot, "bin", "revo.js")

/** A Node older than 24 on this machine (the system one), if there is one. */
const olderNode = ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"].find((p) => {
  if (!existsSync(p)) return false
  const r = spawnSync(p, ["-p", "process.versions.node"], { encoding: "utf8" })
  return r.status === 0 && Number(r.stdout.split(".")[0]) < 24
})

/** Live processes whose command line mentions `text`. */
const processesWith = (text: string): Array<number> =>
  readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(text) ? [Number(p)] : []
    } catch {
      return []
    }
  })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("bin/revo.js", () => {
  it("prints the version without starting the CLI, under any Node", () => {
    const version = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version
    for (const node of [process.execPath, ...(olderNode ? [olderNode] : [])]) {
      const r = spawnSync(node, [launcher, "--version"], { encoding: "utf8" })
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, `revo v${version}\n`)
    }
  })

  it("run as a program, it is the real revo itself: no wrapper process, Ctrl-C lands on revo", async () => {
    // PATH without the project's node_modules/.bin: the shell line must find the pinned Node itself.
    const s = smallSpec({ process: true })
    const child = spawn(launcher, ["run", s.spec, "--store", s.store], { stdio: "ignore", env: { ...process.env, PATH: "/usr/bin:/bin" } })
    const closed = new Promise<number | null>((r) => child.on("close", r))
    const lock = join(s.store, "lock")
    const deadline = Date.now() + 120_000
    while (!existsSync(lock) && Date.now() < deadline) await sleep(50)
    // The store's lock names the process that holds it: the very process we started.
    const holder = JSON.parse(readFileSync(lock, "utf8")) as { pid: number }
    assert.equal(holder.pid, child.pid)
    assert.match(readFileSync(`/proc/${child.pid}/cmdline`, "utf8"), /node_modules\/node\/bin\/node\0/)
    child.kill("SIGINT")
    assert.equal(await closed, 130)
  })

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`under an older Node, ${signal} to the launcher stops the real revo and passes its exit code on`, { skip: olderNode ? false : "no Node older than 24 on this machine" }, async () => {
      const s = smallSpec({ process: true })
      const child = spawn(olderNode!, [launcher, "run", s.spec, "--store", s.store], { stdio: ["ignore", "ignore", "pipe"] })
      let stderr = ""
      child.stderr.on("data", (d) => (stderr += d))
      const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("close", (code, sig) => r({ code, signal: sig })))
      // Wait until the real revo holds the store and runs tasks.
      const lock = join(s.store, "lock")
      const deadline = Date.now() + 120_000
      while (!(existsSync(lock) && existsSync(join(s.dir, "results", "small", "runs"))) && Date.now() < deadline) await sleep(50)
      assert.ok(existsSync(lock), `the run did not start: ${stderr}`)
      const real = processesWith(s.spec).filter((p) => p !== child.pid)
      assert.ok(real.length > 0, "the real revo runs as a child of the launcher")
      child.kill(signal)
      const { code } = await closed
      // revo's own exit code for an interrupt, passed through the launcher.
      assert.equal(code, 130, stderr)
      assert.deepEqual(processesWith(s.spec), [], "no revo process outlives the launcher")
      assert.ok(!existsSync(lock), "the interrupted run released the store's lock")
    })
  }
})
