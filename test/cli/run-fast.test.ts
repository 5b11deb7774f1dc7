/**
 * The no-op fast path of `revo run` (src/cli/run-fast.ts, src/runtime/rerun-proof.ts), through
 * bin/revo.js as users start it, on a small real experiment: a rerun that changes nothing takes
 * it and says and journals what the full path says; a changed spec, a damaged output or result,
 * a touched data file or --force falls through to the full path. The file-by-file rules
 * (environment, ctime, inode, racy files, known hashes) are in rerun-proof.test.ts.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { appendFileSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { listFiles, sha256File } from "../../src/util/fs.ts"
import { ImportGraph } from "../../src/util/import-graph.ts"
import { mainTs, repoRoot } from "../support/cli.ts"
import { lastRunEvents, smallSpec } from "../support/small-spec.ts"

const launcher = join(repoRoot, "bin", "revo.js")

interface Run {
  readonly code: number | null
  readonly stderr: string
  /** The fast path's own trace line (REVO_NOOP_TRACE=1). */
  readonly fast: string
  /** The last line, with the seconds and the run id made neutral. */
  readonly summary: string
}

/** `revo run` through bin/revo.js; `full`: through src/cli/main.ts, which never takes the fast path. */
const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}, full = false): Run => {
  const r = spawnSync(process.execPath, [full ? mainTs : launcher, "run", ...args], {
    cwd: repoRoot, encoding: "utf8", timeout: 600_000, env: { ...process.env, REVO_NOOP_TRACE: "1", ...env }
  })
  const lines = r.stderr.split("\n").filter((l) => l !== "")
  const fast = lines.find((l) => l.startsWith("revo: no-op fast path: ")) ?? ""
  const last = lines.filter((l) => !l.startsWith("revo: no-op fast path: ")).at(-1) ?? ""
  return { code: r.status, stderr: r.stderr, fast, summary: last.replace(/in [\d.]+s\./, "in Ns.").replace(/runs\/[^/]+\//, "runs/ID/") }
}

/** sha256 of every file of the results folder but the run journal. */
const resultBytes = (dir: string): Record<string, string> =>
  Object.fromEntries(listFiles(dir, { skipDir: (d) => d === "runs" }).map((f) => [f, sha256File(join(dir, f))]))

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("revo run's no-op fast path", () => {
  it("loads no package: nothing of Effect, the CLI framework or yaml (its whole point is start-up)", () => {
    const closure = new ImportGraph(repoRoot).closure(join(repoRoot, "src/cli/run-fast.ts"))
    assert.deepEqual(closure.packages, [])
    assert.ok(closure.modules.length < 12, `the fast path loads ${closure.modules.length} modules: ${closure.modules.join(", ")}`)
  })

  it("takes it only when nothing changed, with the full path's words, journal and results", async () => {
    const s = smallSpec({ extra: "description: ${REVO_FAST_TEST_TEXT:-a small experiment}" })
    const results = join(s.dir, "results", "small")
    const args = [s.spec, "--store", s.store]
    // Files written this recently are not trusted by a proof (coarse file-system clocks): let the copies age.
    await sleep(2100)

    const cold = run(args)
    assert.equal(cold.code, 0, cold.stderr)
    assert.match(cold.fast, /not taken \(no proof/)
    const proofs = readdirSync(join(s.store, "noop"))
    assert.equal(proofs.length, 1, "a clean run leaves a proof")
    const proof = JSON.parse(readFileSync(join(s.store, "noop", proofs[0]!), "utf8")) as {
      env: Record<string, string | null>; files: Array<{ path: string; folder?: true }>
    }
    // The variables the spec interpolates are part of it (a change is caught: rerun-proof.test.ts).
    assert.deepEqual(proof.env, { REVO_FAST_TEST_TEXT: null })
    // So is the code the task versions come from: every file of src/, the launcher, the plugin's
    // files and folders (a file added there changes its code hash), and the spec.
    const named = new Set(proof.files.map((f) => f.path))
    for (const f of listFiles(join(repoRoot, "src"))) assert.ok(named.has(join(repoRoot, "src", f)), `src/${f} is not in the proof`)
    for (const f of listFiles(join(repoRoot, "plugins/retrieval"))) assert.ok(named.has(join(repoRoot, "plugins/retrieval", f)), `plugins/retrieval/${f} is not in the proof`)
    assert.ok(proof.files.some((f) => f.folder === true && f.path === join(repoRoot, "plugins/retrieval")), "the plugin's folder is in the proof")
    for (const f of [join(repoRoot, "bin/revo.js"), join(repoRoot, "package.json"), join(repoRoot, "node_modules/effect/package.json"), s.spec]) {
      assert.ok(named.has(f), `${f} is not in the proof`)
    }
    const full = run(args, {}, true)
    assert.equal(full.code, 0, full.stderr)
    assert.equal(full.fast, "")
    assert.match(full.summary, /^\d+ tasks: 0 run, \d+ cached, 0 failed in Ns\. Results in .* \(unchanged\); journal /)
    const before = resultBytes(results)
    const fullEvents = lastRunEvents(s)

    // Nothing changed: the fast path, the same last line, the same journal, the same results.
    const fast = run(args)
    assert.equal(fast.code, 0, fast.stderr)
    assert.equal(fast.fast, "revo: no-op fast path: taken")
    assert.equal(fast.summary, full.summary)
    assert.deepEqual(lastRunEvents(s).map((e) => [e.event, e.task]), fullEvents.map((e) => [e.event, e.task]))
    const runs = readdirSync(join(results, "runs")).sort()
    const summaryOf = (id: string) => {
      const { run: _r, seconds: _s, ...rest } = JSON.parse(readFileSync(join(results, "runs", id, "summary.json"), "utf8"))
      return rest
    }
    assert.deepEqual(summaryOf(runs.at(-1)!), summaryOf(runs.at(-2)!))
    assert.deepEqual(resultBytes(results), before)
    assert.equal(JSON.parse(readFileSync(join(results, "runs", runs.at(-1)!, "run.json"), "utf8")).pid > 0, true)

    // --force and flags the fast path does not know: the full CLI.
    assert.match(run([...args, "--force", "report"]).fast, /not taken \(arguments for the full CLI\)/)
    assert.equal(run(args).fast, "revo: no-op fast path: taken")


    // A result file edited with its size kept and its mtime put back (to the ms): hashed and found
    // changed; the full path rewrites it. (rerun-proof.test.ts puts an mtime back to the ns.)
    const md = join(results, "report.md")
    const st = statSync(md)
    const text = readFileSync(md, "utf8")
    writeFileSync(md, text.replace(/[a-z]/, (c) => (c === "a" ? "b" : "a")))
    utimesSync(md, st.atime, st.mtime)
    const edited = run(args)
    assert.match(edited.fast, new RegExp(`not taken \\(${md.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} changed\\)`))
    assert.match(edited.summary, /Results in .* \(updated: report\.md\)/)
    assert.deepEqual(resultBytes(results), before)

    // A damaged output object: the full path finds it and recomputes its task.
    const report = JSON.parse(readFileSync(join(s.store, "tasks", `${(fullEvents.find((e) => e.task === "report") as unknown as { key: string }).key}.json`), "utf8")) as {
      outputs: Record<string, { hash: string }>
    }
    const object = join(s.store, "objects", report.outputs["report.json"]!.hash.slice(0, 2), report.outputs["report.json"]!.hash)
    appendFileSync(object, " ")
    const damaged = run(args)
    assert.match(damaged.fast, /not taken \(.*objects.* changed size\)/)
    assert.match(damaged.summary, /^\d+ tasks: 1 run, /)
    assert.deepEqual(resultBytes(results), before)
    assert.equal(run(args).fast, "revo: no-op fast path: taken")

    // A touched data file (same bytes): its stat no longer proves it, so the full path decides
    // (every task cached: the dataset keys hash the bytes). A file changed that recently makes no
    // proof (coarse clocks); 2 s later the full path writes one again.
    const data = join(s.dataRoot, "llava-instruct-100/llava_instruct_100.json")
    const earlier = new Date(Date.now() - 60_000)
    utimesSync(data, earlier, earlier)
    const touched = run(args)
    assert.match(touched.fast, /not taken \(.*llava_instruct_100\.json changed\)/)
    assert.match(touched.summary, /^\d+ tasks: 0 run, /)
    await sleep(2100)
    assert.equal(run(args).code, 0) // the full path (or, if the run above was late enough to write one, the fast one)
    assert.equal(run(args).fast, "revo: no-op fast path: taken")

    // An edited spec (a comment only: the full path then finds every task cached).
    appendFileSync(s.spec, "# edited\n")
    const spec = run(args)
    assert.match(spec.fast, /not taken \(.*small\.yaml changed size\)/)
    assert.match(spec.summary, /^\d+ tasks: 0 run, /)
  })
})
