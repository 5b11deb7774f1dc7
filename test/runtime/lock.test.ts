/**
 * The store lock under a real race: many `revo`-like processes start at once against one stale
 * lock (its holder is dead), round after round; exactly one may win each round, and the lock
 * must then name that winner. Also: a live holder is never displaced, and leftovers of starters
 * that died mid-takeover do not block the store.
 */
import assert from "node:assert/strict"
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const starterScript = fileURLToPath(new URL("./fixtures/lock-starter.ts", import.meta.url))
const STARTERS = 8
const ROUNDS = 50

interface Starter {
  readonly child: ChildProcessWithoutNullStreams
  readonly next: () => Promise<string>
}

const startStarter = (): Starter => {
  const child = spawn(process.execPath, [starterScript], { stdio: ["pipe", "pipe", "pipe"] })
  const queue: Array<string> = []
  const waiting: Array<(l: string) => void> = []
  createInterface({ input: child.stdout }).on("line", (l) => {
    const w = waiting.shift()
    if (w) w(l)
    else queue.push(l)
  })
  let stderr = ""
  child.stderr.on("data", (d) => (stderr += d))
  child.on("exit", (code) => {
    if (code !== 0 && code !== null) for (const w of waiting.splice(0)) w(`exited ${code}: ${stderr}`)
  })
  return { child, next: () => new Promise((r) => (queue.length ? r(queue.shift()!) : waiting.push(r))) }
}

/** A pid that surely belonged to a process that has exited. */
const deadPid = (): number => {
  const r = spawnSync("true")
  return r.pid!
}

const staleLock = (dir: string) =>
  writeFileSync(join(dir, "lock"), JSON.stringify({ pid: deadPid(), host: hostname(), started: "2020-01-01T00:00:00.000Z", command: "revo run crashed.yaml" }) + "\n")

describe("store lock: atomic takeover of a stale lock", () => {
  it(`${STARTERS} concurrent starters against one stale lock, ${ROUNDS} rounds: exactly one winner each round`, async () => {
    const starters = Array.from({ length: STARTERS }, startStarter)
    try {
      const base = mkdtempSync(join(tmpdir(), "revo-lock-race-"))
      const bad: Array<string> = []
      for (let round = 0; round < ROUNDS; round++) {
        const dir = join(base, `store-${round}`)
        spawnSync("mkdir", ["-p", dir])
        staleLock(dir)
        for (const s of starters) s.child.stdin.write(`${dir}\n`)
        const answers = await Promise.all(starters.map((s) => s.next()))
        const winners = answers.filter((a) => a.startsWith("won "))
        assert.ok(answers.every((a) => /^(won|locked) \d+$/.test(a)), answers.join("; "))
        const holder = JSON.parse(readFileSync(join(dir, "lock"), "utf8")) as { pid: number }
        if (winners.length !== 1 || winners[0] !== `won ${holder.pid}`) bad.push(`round ${round}: ${winners.length} winners (${winners.join(", ")}), lock names pid ${holder.pid}`)
        // Release; each starter acknowledges once it holds nothing.
        for (const s of starters) s.child.stdin.write("release\n")
        await Promise.all(starters.map((s) => s.next()))
        assert.ok(!existsSync(join(dir, "lock")), `round ${round}: the winner released the lock`)
        assert.deepEqual(readdirSync(dir), [], `round ${round}: no takeover leftovers`)
      }
      assert.deepEqual(bad, [], `rounds without exactly one winner:\n${bad.join("\n")}`)
    } finally {
      for (const s of starters) s.child.kill()
    }
  })

  it("a live holder is never displaced; a marker left by a starter that died mid-takeover does not block the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "revo-lock-live-"))
    const [a, b] = [startStarter(), startStarter()]
    try {
      a.child.stdin.write(`${dir}\n`)
      assert.equal(await a.next(), `won ${a.child.pid}`)
      b.child.stdin.write(`${dir}\n`)
      assert.equal(await b.next(), `locked ${b.child.pid}`)
      a.child.stdin.write("release\n")
      await a.next()
      // A stale lock plus the takeover marker of a starter that died while replacing it.
      staleLock(dir)
      const seen = readFileSync(join(dir, "lock"), "utf8")
      const { createHash } = await import("node:crypto")
      writeFileSync(join(dir, `lock.takeover-${createHash("sha256").update(seen).digest("hex").slice(0, 16)}`), JSON.stringify({ pid: deadPid(), host: hostname(), started: "2020-01-01T00:00:00.000Z", command: "revo run died.yaml" }) + "\n")
      b.child.stdin.write(`${dir}\n`)
      assert.equal(await b.next(), `won ${b.child.pid}`)
      assert.deepEqual(readdirSync(dir), ["lock"], "the dead starter's marker was swept")
      b.child.stdin.write("release\n")
      await b.next()
    } finally {
      a.child.kill()
      b.child.kill()
    }
  })
})
