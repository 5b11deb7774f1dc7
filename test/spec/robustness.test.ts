/**
 * Hostile specs: an alias bomb ("billion laughs") is refused with a located message naming the
 * limit, and a spec with tens of thousands of unknown keys is checked in time linear in their
 * number, reported in a bounded number of lines, and leaves `revo validate` responsive to SIGTERM.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { loadSpecSync, MAX_ALIAS_COUNT, UNKNOWN_KEYS_LISTED } from "../../src/spec/load.ts"
import { repoRoot } from "../support/cli.ts"

const dataRoot = fileURLToPath(new URL("../../../shared/data", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "revo-spec-robust-"))
// The real quickstart spec, with the real data root.
const quickstart = readFileSync(join(repoRoot, "experiments/quickstart.yaml"), "utf8")
const write = (name: string, text: string) => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}
const withUnknownKeys = (n: number) => quickstart + Array.from({ length: n }, (_, i) => `unknown_key_${i}: ${i}\n`).join("")

describe("spec robustness", () => {
  it("a billion-laughs alias spec is a located error naming the alias limit, not a stack trace", () => {
    const levels = Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(", ")}]`)
    const file = write("laughs.yaml", `name: laughs\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${levels.join("\n")}\ndatasets: {}\n`)
    const r = loadSpecSync(file, { env: { REVO_DATA_ROOT: dataRoot } })
    assert.equal(r._tag, "error")
    if (r._tag !== "error") return
    assert.deepEqual(r.error.problems.map((p) => [p.line, p.col, p.path]), [[4, 10, "l2.0"]])
    assert.match(r.error.problems[0]!.message, new RegExp(`^YAML aliases expand too far \\(more than ${MAX_ALIAS_COUNT} times`))
  })

  it("unknown keys cost time linear in their number, and are reported in a bounded number of lines", (t) => {
    const time = (n: number) => {
      const file = write(`keys-${n}.yaml`, withUnknownKeys(n))
      const t0 = performance.now()
      const r = loadSpecSync(file, { env: { REVO_DATA_ROOT: dataRoot }, checkFiles: false })
      const ms = performance.now() - t0
      assert.equal(r._tag, "error")
      return { ms, problems: r._tag === "error" ? r.error.problems : [] }
    }
    time(1000) // warm up the parser and the schema
    const small = time(5000)
    const large = time(20000)
    // 4x the keys: linear is about 4x the time; the old quadratic check took about 16x.
    const ratio = large.ms / small.ms
    t.diagnostic(`5000 unknown keys: ${small.ms.toFixed(0)} ms, 20000: ${large.ms.toFixed(0)} ms (ratio ${ratio.toFixed(1)})`)
    assert.ok(ratio < 8, `5000 keys: ${small.ms.toFixed(0)} ms, 20000 keys: ${large.ms.toFixed(0)} ms (ratio ${ratio.toFixed(1)})`)
    assert.equal(large.problems.length, UNKNOWN_KEYS_LISTED + 1)
    const summary = large.problems.find((p) => p.message.includes("more unknown keys"))!
    assert.equal(summary.message, `${20000 - UNKNOWN_KEYS_LISTED} more unknown keys here (20000 in all; the first ${UNKNOWN_KEYS_LISTED} are listed)`)
    assert.equal(summary.line, quickstart.split("\n").length + UNKNOWN_KEYS_LISTED)
  })

  it("revo validate stays responsive to SIGTERM while it checks 200,000 unknown keys (60,000 took 125 s and ignored it)", async () => {
    const file = write("keys-200000.yaml", withUnknownKeys(200000))
    const child = spawn(process.execPath, [join(repoRoot, "src/cli/main.ts"), "validate", file], { env: { ...process.env, REVO_DATA_ROOT: dataRoot } })
    let stderr = ""
    child.stderr.on("data", (d) => (stderr += d))
    // late enough that revo is loaded and busy checking (a signal during start-up proves nothing)
    const signalled = new Promise<number>((resolve) => setTimeout(() => {
      child.kill("SIGTERM")
      resolve(Date.now())
    }, 5000))
    const closed = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })))
    const seconds = (Date.now() - (await signalled)) / 1000
    // The check runs in a worker that the interruption terminates: revo ends at once, as interrupted.
    assert.ok(seconds < 8, `exited ${seconds} s after SIGTERM`)
    assert.ok(closed.code === 130 || closed.signal === "SIGTERM", `exit ${closed.code} ${closed.signal}: ${stderr.slice(0, 500)}`)
  })
})
