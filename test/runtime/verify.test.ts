/**
 * `revo verify`: same-size corruption with the modification time put back is invisible to a
 * normal run (size + mtime is its fast path, by design); verify re-hashes everything, reports
 * it with the task and output, and with --repair makes the next run recompute exactly that.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { revo } from "../support/cli.ts"
import { lastRunEvents, smallSpec, type SmallSpec } from "../support/small-spec.ts"

const planRows = (s: SmallSpec) =>
  (JSON.parse(revo(["plan", s.spec, "--store", s.store, "--json"]).stdout) as { tasks: Array<{ task: string; key: string; status: string; reason?: string }> }).tasks
const outputsOf = (s: SmallSpec, task: string) => {
  const key = planRows(s).find((r) => r.task === task)!.key
  return (JSON.parse(readFileSync(join(s.store, "tasks", `${key}.json`), "utf8")) as { outputs: Record<string, { hash: string }> }).outputs
}
const objectPath = (s: SmallSpec, hash: string) => join(s.store, "objects", hash.slice(0, 2), hash)

/** Flip one byte in place and put the modification time back to the nanosecond. */
const corruptQuietly = (path: string, at: number) => {
  const mtimeNs = statSync(path, { bigint: true }).mtimeNs
  const bytes = readFileSync(path)
  bytes[at] = bytes[at]! ^ 0x20
  writeFileSync(path, bytes)
  const sec = mtimeNs / 1_000_000_000n
  const ns = (mtimeNs % 1_000_000_000n).toString().padStart(9, "0")
  assert.equal(spawnSync("touch", ["-m", "-d", `@${sec}.${ns}`, path]).status, 0)
  assert.equal(statSync(path, { bigint: true }).mtimeNs, mtimeNs)
}

describe("revo verify", () => {
  it("finds same-size damage a run trusts, names task and output; --repair makes the next run recompute it, with the same results", () => {
    const s = smallSpec()
    assert.equal(revo(["run", s.spec, "--store", s.store]).code, 0)
    const clean = revo(["verify", "--store", s.store])
    assert.equal(clean.code, 0, clean.stderr)
    assert.match(clean.stdout, /Checked \d+ task records \(\d+ done\), \d+ objects .* no problems\./)
    const report = readFileSync(join(s.dir, "results", "small", "report.json"))

    const scores = outputsOf(s, "score:coco-mini@llava-instruct-100.eval")["scores"]!.hash
    corruptQuietly(objectPath(s, scores), 10)
    const postings = outputsOf(s, "tune:llava-instruct-100")["model/postings.bin"]!.hash
    corruptQuietly(objectPath(s, postings), 0)
    // A normal run trusts both (that is the fast path's price): everything is cached.
    assert.ok(planRows(s).every((r) => r.status === "cached"))

    const found = revo(["verify", "--store", s.store])
    assert.equal(found.code, 1, found.stdout + found.stderr)
    assert.match(found.stdout, /damaged\s+score:coco-mini@llava-instruct-100\.eval output scores: its sha256 differs from its name \(same size\)/)
    assert.match(found.stdout, /damaged\s+tune:llava-instruct-100 output model\/postings\.bin: its sha256 differs/)
    assert.match(found.stderr, /--repair` marks the damaged tasks for recomputation/)

    const repair = revo(["verify", "--store", s.store, "--repair"])
    assert.equal(repair.code, 0, repair.stderr)
    assert.match(repair.stdout, /repaired: marked score:coco-mini@llava-instruct-100\.eval for recomputation/)
    const rows = planRows(s)
    // (`plan` cannot know a rerun's outputs, so it lists what follows a rerun as "after …"; the run below shows they stay cached.)
    assert.deepEqual(rows.filter((r) => r.status === "run" && !/must run first/.test(r.reason ?? "")).map((r) => r.task).sort(), ["score:coco-mini@llava-instruct-100.eval", "tune:llava-instruct-100"])
    assert.match(rows.find((r) => r.task === "tune:llava-instruct-100")!.reason ?? "", /found by revo verify/)

    const rerun = revo(["run", s.spec, "--store", s.store])
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.deepEqual(lastRunEvents(s).filter((e) => e.event === "start").map((e) => e.task).sort(), ["score:coco-mini@llava-instruct-100.eval", "tune:llava-instruct-100"])
    assert.ok(readFileSync(join(s.dir, "results", "small", "report.json")).equals(report))
    assert.equal(revo(["verify", "--store", s.store]).code, 0)
  })

  it("a damaged materialised model copy is reported and removed by --repair", () => {
    const s = smallSpec()
    assert.equal(revo(["run", s.spec, "--store", s.store]).code, 0)
    const manifest = outputsOf(s, "tune:coco-mini")["model"]!.hash
    corruptQuietly(join(s.store, "models", manifest, "model.json"), 5)
    const found = revo(["verify", "--store", s.store])
    assert.equal(found.code, 1)
    assert.match(found.stdout, new RegExp(`model copy\\s+model\\.json differs from the model .*models/${manifest}/model\\.json`))
    assert.equal(revo(["verify", "--store", s.store, "--repair"]).code, 0)
    assert.equal(revo(["verify", "--store", s.store]).code, 0)
  })
})
