/**
 * The runtime's promises, end to end with the real CLI on real data: nothing finished is
 * computed twice, a kill -9 costs at most the tasks in flight, edits rerun only what they reach,
 * damage is detected, and one run at a time holds a store.
 */
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { revo, mainTs } from "../support/cli.ts"
import { lastRunEvents, type RunEvent, smallSpec, type SmallSpec } from "../support/small-spec.ts"

const main = mainTs

type Event = RunEvent

/** Processes whose working directory is inside `dir` (Linux /proc). */
const pluginProcessesIn = (dir: string): Array<number> =>
  readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      return readlinkSync(`/proc/${p}/cwd`).startsWith(dir) ? [Number(p)] : []
    } catch {
      return []
    }
  })

const started = (events: ReadonlyArray<Event>) => new Set(events.filter((e) => e.event === "start").map((e) => e.task))
const run = (s: SmallSpec, ...extra: Array<string>) => {
  const r = revo(["run", s.spec, "--store", s.store, ...extra])
  assert.equal(r.code, 0, r.stderr)
  return r
}
const results = (s: SmallSpec, file: string) => readFileSync(join(s.dir, "results", "small", file))

describe("runtime: cache, resume, invalidation", () => {
  it("a second run of an unchanged spec executes no task; -j 1 and -j 2 give the same bytes", () => {
    const a = smallSpec()
    run(a, "-j", "2")
    assert.ok(lastRunEvents(a).some((e) => e.event === "done"))
    run(a, "-j", "2")
    const second = lastRunEvents(a)
    assert.deepEqual([...new Set(second.map((e) => e.event))], ["cached"])
    const b = smallSpec()
    run(b, "-j", "1")
    for (const f of ["report.json", "report.md", "report.html", "revo.lock", "revolion/train.parquet", "revolion/eval.parquet", "revolion/sq.parquet"]) {
      assert.ok(results(a, f).equals(results(b, f)), `${f} differs between -j 2 and -j 1`)
    }
  })

  it("after kill -9 part-way, the rerun redoes no finished task and ends with the same report", async () => {
    const s = smallSpec({ process: true })
    const child = spawn(process.execPath, [main, "run", s.spec, "--store", s.store, "-j", "2"], { stdio: "ignore" })
    const runs = join(s.dir, "results", "small", "runs")
    // Wait until a good part of the graph is done, then kill without warning.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (!existsSync(runs)) return
        const dir = readdirSync(runs)[0]
        if (!dir) return
        const text = readFileSync(join(runs, dir, "events.jsonl"), "utf8")
        if ((text.match(/"event":"done"/g) ?? []).length >= 25) {
          clearInterval(timer)
          child.kill("SIGKILL")
          resolve()
        }
      }, 50)
      child.on("exit", (code) => {
        clearInterval(timer)
        if (code === 0) reject(new Error("the run finished before it could be killed"))
      })
    })
    await new Promise((r) => child.on("close", r))
    const first = readFileSync(join(runs, readdirSync(runs).sort()[0]!, "events.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Event)
    const doneBefore = new Set(first.filter((e) => e.event === "done").map((e) => e.task))
    assert.ok(doneBefore.size >= 25)
    assert.ok(!first.some((e) => e.task === "report" && e.event === "done"), "the run was killed before the end")

    // The lock of the killed run is taken over; only unfinished tasks run.
    run(s, "-j", "2")
    const again = started(lastRunEvents(s))
    for (const t of doneBefore) assert.ok(!again.has(t), `${t} was done before the kill and ran again`)
    assert.ok(again.has("report"))

    const clean = smallSpec({ process: true })
    run(clean, "-j", "2")
    assert.ok(results(s, "report.json").equals(results(clean, "report.json")), "report after resume differs from an uninterrupted run")
    assert.ok(results(s, "revolion/train.parquet").equals(results(clean, "revolion/train.parquet")))
  })

  it("editing one dataset's file reruns only what depends on it", () => {
    const s = smallSpec()
    run(s)
    const file = join(s.dataRoot, "llava-instruct-100/llava_instruct_100.json")
    const data = JSON.parse(readFileSync(file, "utf8")) as Array<{ conversations: Array<{ value: string }> }>
    data[3]!.conversations[1]!.value = "An edited answer that no model has seen."
    writeFileSync(file, JSON.stringify(data))
    run(s)
    const ran = started(lastRunEvents(s))
    assert.ok(ran.has("load:llava-instruct-100"))
    assert.ok(!ran.has("load:coco-mini") && !ran.has("load:llava-bench-coco"), [...ran].join(" "))
    // Models and answers that involve only unchanged datasets are reused.
    for (const t of ["tune:coco-mini", "tune:llava-bench-coco", "predict:coco-mini@llava-bench-coco.eval", "predict:llava-bench-coco@coco-mini.train", "score:coco-mini@llava-bench-coco.eval"]) {
      assert.ok(!ran.has(t), `${t} reran although neither of its datasets changed`)
    }
    assert.ok(ran.has("tune:llava-instruct-100") || ran.has("predict:coco-mini@llava-instruct-100.eval") || ran.has("predict:coco-mini@llava-instruct-100.train"))
  })

  it("changing the MQ metric set re-aggregates without tuning, predicting or scoring the datasets' models again", () => {
    const s = smallSpec()
    run(s)
    run(s, "--set", "quality.mq=[bleu4,cider]")
    const ran = [...started(lastRunEvents(s))]
    assert.ok(ran.includes("aggregate"))
    const datasets = ["coco-mini", "llava-bench-coco", "llava-instruct-100"]
    const crossEval = ran.filter((t) => /^(tune|predict|score):/.test(t) && datasets.some((d) => t.startsWith(`tune:${d}`) || t.includes(`:${d}@`)) && !t.includes("revo-lion-eval"))
    assert.deepEqual(crossEval, [])
    // Adding a metric scores again without predicting again.
    run(s, "--set", "metrics=[bleu4,meteor,rouge_l,cider,bleu1]")
    const ran2 = [...started(lastRunEvents(s))]
    assert.ok(ran2.some((t) => t.startsWith("score:")))
    // (REVO-LION's eval set is chosen by SQ, which the metric set changes: only its column may be predicted again.)
    assert.deepEqual(ran2.filter((t) => (t.startsWith("predict:coco-mini@") && !t.includes("revo-lion-eval")) || t.startsWith("tune:coco-mini")), [])
  })

  it("a damaged output is detected and recomputed; `revo plan` says why", () => {
    const s = smallSpec()
    run(s)
    const rec = revo(["plan", s.spec, "--store", s.store, "--json"])
    const rows = JSON.parse(rec.stdout).tasks as Array<{ task: string; key: string; status: string }>
    assert.ok(rows.every((r) => r.status === "cached"))
    const score = rows.find((r) => r.task === "score:coco-mini@llava-instruct-100.eval")!
    const record = JSON.parse(readFileSync(join(s.store, "tasks", `${score.key}.json`), "utf8")) as { outputs: Record<string, { hash: string }> }
    const object = join(s.store, "objects", record.outputs["scores"]!.hash.slice(0, 2), record.outputs["scores"]!.hash)
    writeFileSync(object, readFileSync(object, "utf8").replace(/\d/, "9") + " ")
    const plan = revo(["plan", s.spec, "--store", s.store])
    assert.match(plan.stdout, /run\s+score:coco-mini@llava-instruct-100\.eval\s+output damaged: output scores does not match its recorded hash/)
    run(s)
    const events = lastRunEvents(s)
    assert.deepEqual(events.filter((e) => e.event === "start").map((e) => e.task), ["score:coco-mini@llava-instruct-100.eval"])
  })

  it("a concurrent run on the same store is refused, naming the holder", async () => {
    const s = smallSpec({ process: true })
    const child = spawn(process.execPath, [main, "run", s.spec, "--store", s.store], { stdio: "ignore" })
    const lock = join(s.store, "lock")
    while (!existsSync(lock)) await new Promise((r) => setTimeout(r, 50))
    const second = revo(["run", s.spec, "--store", s.store])
    // Interrupt while plugin processes run in the store's work dirs.
    const deadline = Date.now() + 60_000
    while (pluginProcessesIn(s.store).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.ok(pluginProcessesIn(s.store).length > 0, "a plugin process was running when interrupted")
    child.kill("SIGINT")
    const code = await new Promise<number | null>((r) => child.on("close", r))
    assert.deepEqual(pluginProcessesIn(s.store), [], "no plugin process outlives the interrupted run")
    assert.equal(second.code, 2)
    assert.match(second.stderr, new RegExp(`The store ${s.store} is in use by \`revo run ${s.spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\` \\(pid ${child.pid} on `))
    assert.equal(code, 130)
    assert.ok(!existsSync(lock), "the interrupted run released its lock")
  })
})
