/**
 * Issue 7's "done when" through the real runtime on a real single-node Slurm: revo killed with
 * kill -9 while jobs run is resumed by adopting its jobs (no job submitted twice), and failed or
 * cancelled jobs are reported with their job id and state by `revo run` and `revo status`.
 * Jobs run the test plugin fixtures/slow-retrieval (the real retrieval CLI behind a wrapper that
 * can hold or fail a tune). Fails when Slurm cannot be started, unless REVO_SKIP_SLURM=1.
 */
import assert from "node:assert/strict"
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { revo } from "../support/cli.ts"
import { ensureSlurm, jobState, slurm, type Cluster } from "../executors/slurm-cluster.ts"
import {
  allRecords,
  assertSameOutputs,
  type Backend,
  completedKeys,
  diffPaths,
  exited,
  jobsOfStore,
  outputsByLabel,
  readRecord,
  report,
  resubmitted,
  runEvents,
  runOk,
  sbatchSettled,
  slowPlugin,
  spawnRun,
  type StoredRecord,
  twoDatasetSpec,
  waitUntil
} from "./support.ts"

// Slurm jobs wait on polls (1 s, then longer) more than on the CPU: more slots hide that latency.
const SLURM_JOBS = 4

let cluster: Cluster = { skip: undefined, dir: undefined, stop: () => {} }
before(() => {
  cluster = ensureSlurm()
})
after(() => cluster.stop())

describe("slurm through the runtime", { timeout: 240_000 }, () => {
  it("kill -9 while jobs run: the rerun adopts them, submits nothing twice, and ends with the uninterrupted run's results", async (t) => {
    if (cluster.skip !== undefined) return t.skip(cluster.skip)
    const s = twoDatasetSpec()
    // tune:union holds its job for 8 s: it is still running when the first predictions are done.
    const backend: Backend = { plugin: slowPlugin, slurm: true, params: { tune_delay_ms: { union: 8000 } } }
    const t0 = Date.now()
    const phase = (what: string) => process.stderr.write(`# ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    const child = spawnRun(s, backend, SLURM_JOBS)
    // Kill once some tune and predict tasks are done and a job whose id is recorded is running.
    let running: Array<{ label: string; id: string }> = []
    await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`revo ended (${child.exitCode}) before it could be killed:\n${child.stderrText()}`)
      const records = allRecords(s)
      if (!records.some((r) => r.kind === "predict" && r.status === "done")) return false
      const live = new Set(jobsOfStore(s).filter((j) => j.state === "RUNNING").map((j) => j.id))
      running = records.flatMap((r) => (r.status === "running" && r.job && live.has(r.job.id) ? [{ label: r.label, id: r.job.id }] : []))
      return running.length > 0
    }, 120_000, "a recorded Slurm job to run after some tasks are done")
    child.kill("SIGKILL")
    await exited(child)
    await sbatchSettled(s)
    phase("killed revo")

    const before = allRecords(s)
    const doneBefore = new Set(before.filter((r) => r.status === "done").map((r) => r.label))
    const jobsBefore = jobsOfStore(s)
    const unfinished = before.filter((r) => r.status === "running" && r.job).map((r) => ({ label: r.label, id: r.job!.id }))
    assert.ok(doneBefore.has("split") && [...doneBefore].some((l) => l.startsWith("tune:")), [...doneBefore].join(" "))
    assert.ok(!doneBefore.has("report"), "the run was killed before its end")
    const states = unfinished.map((u) => `${u.label} (job ${u.id}, ${jobState(u.id)})`)
    process.stderr.write(`# unfinished at the kill: ${states.join(", ")}\n`)
    assert.ok(running.some((r) => jobState(r.id) === "RUNNING"), "a job outlives the revo that submitted it")

    const { result } = runOk(s, backend, SLURM_JOBS)
    phase("rerun done")
    assert.match(result.stdout + result.stderr, /0 failed/)
    // Each job that was running or finished unrecorded-as-done was adopted: its task is done with the same job id.
    for (const u of unfinished) {
      const record = allRecords(s).find((r) => r.label === u.label && r.status === "done")
      assert.ok(record, `${u.label} is not done after the rerun`)
      assert.deepEqual(record.job, { executor: "slurm", id: u.id }, `${u.label} was not adopted`)
      assert.match(readFileSync(join(s.store, "logs", `${record.key}.log`), "utf8"), new RegExp(`adopting slurm job ${u.id}\\b`))
    }
    // No second submission of anything: every work dir (task key) of this store had one Slurm job.
    const jobsAfter = jobsOfStore(s)
    assert.deepEqual(resubmitted(jobsAfter), [])
    for (const j of jobsBefore) assert.ok(jobsAfter.some((a) => a.id === j.id && a.workDir === j.workDir))
    // No model task finished before the kill ran again. (Other tasks are left out: a concurrent
    // edit of, say, a metric's code while this test runs would rightly rerun them.)
    const modelTask = (label: string) => label.startsWith("tune:") || label.startsWith("predict:")
    const [, second] = runEvents(s)
    const startedAgain = second!.filter((e) => e.event === "start" && doneBefore.has(e.task) && modelTask(e.task)).map((e) => e.task)
    assert.deepEqual(startedAgain, [])

    // Same results as an uninterrupted run (the in-process module plugin is the reference).
    const ref = twoDatasetSpec()
    runOk(ref, {})
    phase("reference run done")
    assertSameOutputs(outputsByLabel(s, "predict", "predictions"), outputsByLabel(ref, "predict", "predictions"), "resumed slurm run vs uninterrupted run")
    // The slow test plugin is another backend than the reference's retrieval module: its name
    // and demo flag differ, nothing computed from the data may.
    assert.deepEqual(diffPaths(report(s), report(ref)), [
      "backend.demo",
      "backend.name",
      "provenance.plugin.code_sha256",
      "provenance.plugin.name",
      "provenance.spec_sha256",
      "settings.backend",
      "spec_sha256"
    ])

    // The two narrowest windows of a kill, each left in the store as the kill would leave it:
    // - tune:union's job ended and revo had read all its stdout (the plugin's result line
    //   included) but died before recording the task done: record running, with the job id;
    // - tune:random's job was submitted, but revo died before recording its id (and so never
    //   followed it): record running, no job id, no trace of the job in its work dir.
    const keys = completedKeys(s)
    const union = readRecord(s, keys.get("tune:union")!.key)
    const random = readRecord(s, keys.get("tune:random")!.key)
    const slurmFile = (r: StoredRecord, ext: string) => join(s.store, "work", r.key, ".revo-slurm", `${r.job!.id}.${ext}`)
    assert.equal(Number(readFileSync(slurmFile(union, "offset"), "utf8")), statSync(slurmFile(union, "out")).size, "revo had read all of the job's stdout")
    const unfinish = (r: StoredRecord, keepJob: boolean) => {
      const { outputs: _o, ended: _e, job, ...rest } = JSON.parse(readFileSync(join(s.store, "tasks", `${r.key}.json`), "utf8")) as Record<string, unknown>
      writeFileSync(join(s.store, "tasks", `${r.key}.json`), JSON.stringify({ ...rest, ...(keepJob ? { job } : {}), outputs: {}, status: "running" }))
    }
    unfinish(union, true)
    unfinish(random, false)
    for (const ext of ["offset", "collected"]) rmSync(slurmFile(random, ext), { force: true })
    runOk(s, backend, SLURM_JOBS)
    phase("collecting run done")
    const third = runEvents(s).at(-1)!
    assert.deepEqual(third.filter((e) => e.event === "start" && modelTask(e.task)).map((e) => e.task).sort(), ["tune:random", "tune:union"])
    assert.deepEqual(readRecord(s, union.key).job, union.job)
    assert.deepEqual(readRecord(s, random.key).job, random.job, "the unrecorded job was found by its name and work dir")
    assert.match(readFileSync(join(s.store, "logs", `${random.key}.log`), "utf8"), new RegExp(`found slurm job ${random.job!.id} for this task \\(its id was never recorded\\)`))
    assert.deepEqual(resubmitted(jobsOfStore(s)), [])
    assert.equal(jobsOfStore(s).length, jobsAfter.length, "collecting the finished jobs submitted nothing")
  })

  it("Ctrl-C cancels revo's own running jobs and only those; the rerun submits the cancelled task again", async (t) => {
    if (cluster.skip !== undefined) return t.skip(cluster.skip)
    const s = twoDatasetSpec()
    // The hold comes from the environment, outside the task key, so that the rerun does not wait.
    const backend: Backend = { plugin: slowPlugin, slurm: true, grant: ["E2E_TUNE_DELAY_MS"] }
    const foreign = slurm("sbatch", ["--parsable", "--job-name=not-revo", `--output=${join(s.dir, "foreign-%j.out")}`, "--wrap", "sleep 300"]).trim()
    try {
      const child = spawnRun(s, backend, SLURM_JOBS, { E2E_TUNE_DELAY_MS: JSON.stringify({ union: 120_000 }) })
      let held: string | undefined
      await waitUntil(() => {
        if (child.exitCode !== null) throw new Error(`revo ended (${child.exitCode}) early:\n${child.stderrText()}`)
        held = allRecords(s).find((r) => r.label === "tune:union" && r.status === "running" && r.job)?.job?.id
        return held !== undefined && jobState(held) === "RUNNING"
      }, 120_000, "the job of tune:union to run")
      child.kill("SIGINT")
      assert.equal(await exited(child), 130, child.stderrText())
      // Every job of this store ends (whatever else was in flight is cancelled too; Slurm may
      // still be COMPLETING them when revo exits); the foreign one runs on.
      const over = (j: { state: string }) => j.state === "COMPLETED" || j.state === "CANCELLED"
      await waitUntil(() => jobsOfStore(s).every(over), 30_000, "the interrupted run's jobs to end")
      assert.equal(jobState(held!), "CANCELLED")
      const interrupted = jobsOfStore(s)
      assert.match(jobState(foreign), /^(RUNNING|PENDING)$/, "a job revo did not submit is left alone")
      const union = allRecords(s).find((r) => r.label === "tune:union")!
      assert.equal(union.status, "running", "an interrupted task stays unfinished")
      const log = () => readFileSync(join(s.store, "logs", `${union.key}.log`), "utf8")
      assert.match(log(), new RegExp(`interrupted: cancelled slurm job ${held}\\b`))

      // Its CANCELLED was revo's own doing, not the task's outcome: the rerun submits it again.
      runOk(s, backend, SLURM_JOBS)
      const done = readRecord(s, union.key)
      assert.equal(done.status, "done")
      assert.notEqual(done.job?.id, held)
      assert.match(log(), new RegExp(`slurm job ${held} was cancelled by an interrupted revo; submitting again`))
      // Exactly the cancelled tasks got a second job; nothing that had completed ran again.
      const byDir = new Map<string, Array<string>>()
      for (const j of jobsOfStore(s)) byDir.set(j.workDir, [...(byDir.get(j.workDir) ?? []), j.state].sort())
      const cancelled = new Set(interrupted.filter((j) => j.state === "CANCELLED").map((j) => j.workDir))
      for (const [dir, states] of byDir) assert.deepEqual(states, cancelled.has(dir) ? ["CANCELLED", "COMPLETED"] : ["COMPLETED"], dir)
      assert.deepEqual(byDir.get(join(s.store, "work", union.key)), ["CANCELLED", "COMPLETED"])
    } finally {
      slurm("scancel", [foreign])
    }
  })

  it("a failed job and a job cancelled from outside are reported with job id and state by `revo run` and `revo status`", async (t) => {
    if (cluster.skip !== undefined) return t.skip(cluster.skip)
    const s = twoDatasetSpec()
    const backend: Backend = {
      plugin: slowPlugin,
      slurm: true,
      params: { fail_tune: ["coco-mini"], tune_delay_ms: { "llava-bench-coco": 120_000 } }
    }
    const child = spawnRun(s, backend, SLURM_JOBS)
    let victim: string | undefined
    await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`revo ended (${child.exitCode}) early:\n${child.stderrText()}`)
      const r = allRecords(s).find((x) => x.label === "tune:llava-bench-coco" && x.status === "running" && x.job)
      victim = r?.job?.id
      return victim !== undefined && jobState(victim) === "RUNNING"
    }, 120_000, "the job of tune:llava-bench-coco to run")
    slurm("scancel", [victim!])
    const code = await exited(child)
    const stderr = child.stderrText()
    assert.equal(code, 1, stderr)

    const failedJob = (label: string) => allRecords(s).find((r) => r.label === label && r.status === "failed")?.job?.id
    const coco = failedJob("tune:coco-mini")
    assert.ok(coco !== undefined, "the failed task's record keeps its job id")
    assert.equal(failedJob("tune:llava-bench-coco"), victim)
    assert.equal(jobState(coco), "FAILED")
    assert.equal(jobState(victim!), "CANCELLED")

    const failedLine = new RegExp(`tune:coco-mini: plugin "retrieval-slow" \\(task tune:coco-mini\\): slurm job ${coco} \\(tune:coco-mini\\) ended FAILED after \\d\\d:\\d\\d:\\d\\d with exit code 3`)
    const cancelledLine = new RegExp(`tune:llava-bench-coco: plugin "retrieval-slow" \\(task tune:llava-bench-coco\\): slurm job ${victim} \\(tune:llava-bench-coco\\) ended CANCELLED`)
    assert.match(stderr, /2 task\(s\) failed:/)
    assert.match(stderr, failedLine)
    assert.match(stderr, cancelledLine)
    // The full message keeps the plugin's own last words.
    const cocoRecord = allRecords(s).find((r) => r.label === "tune:coco-mini" && r.status === "failed")!
    assert.match(cocoRecord.error!, /last lines of stderr:\n(.*\n)*retrieval-slow: failing the tune of coco-mini on purpose/)

    const status = revo(["status", s.spec, "--store", s.store])
    assert.equal(status.code, 0, status.stderr)
    assert.match(status.stdout, /failed 2/)
    for (const re of [failedLine, cancelledLine]) assert.match(status.stdout, new RegExp(`failed\\s+${re.source}`))
    // What did not depend on the failed tunes still completed.
    assert.ok(allRecords(s).some((r) => r.label === "tune:union" && r.status === "done"))
  })
})
