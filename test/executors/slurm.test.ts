/**
 * The Slurm executor against a real single-node Slurm (see slurm-cluster.ts): success with the
 * granted environment, FAILED, TIMEOUT (with and without a retry that gets more time), a scancel
 * from outside, adoption after revo is killed with SIGKILL, and interruption cancelling only our job.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { after, before, describe, test } from "node:test"
import { fileURLToPath } from "node:url"
import { jobName, scriptPath, statusPath } from "../../src/backends/executors/slurm-script.ts"
import { makeSlurmExecutor, SlurmJobFailed, SlurmJobLost } from "../../src/backends/executors/slurm.ts"
import type { Hooks, Job, JobHandle } from "../../src/backends/executors/types.ts"
import { ensureSlurm, jobsNamed, jobState, restartController, slurm, type Cluster } from "./slurm-cluster.ts"
import { forkNode, runNode, runNodeExit } from "../support/node-services.ts"

const fixture = fileURLToPath(new URL("./fixtures/slurm-run.ts", import.meta.url))
const SYS_PATH = "/usr/local/bin:/usr/bin:/bin"
const SECRET = `hf_${crypto.randomBytes(12).toString("hex")}`

let cluster: Cluster = { skip: undefined, dir: undefined, stop: () => {} }
const root = fs.mkdtempSync(path.join(os.tmpdir(), "revo-slurm-exec-"))
const executor = makeSlurmExecutor({ poll: { initial: "100 millis", max: "500 millis" }, submitSpacing: "20 millis" })

const makeJob = (label: string, script: string, env: Record<string, string> = { PATH: SYS_PATH }, resources: Job["resources"] = {}): Job => {
  const taskKey = crypto.randomBytes(16).toString("hex")
  const cwd = path.join(root, label.replace(/\W/g, "_"))
  fs.mkdirSync(cwd, { recursive: true })
  return { label, taskKey, command: ["sh", "-c", script], cwd, env, logFile: path.join(cwd, "logs", "task.log"), resources }
}

const recorder = (onLine: (line: string) => void = () => {}) => {
  const lines: Array<string> = []
  const handles: Array<JobHandle> = []
  const hooks: Hooks = {
    onStdoutLine: (line) => Effect.sync(() => {
      lines.push(line)
      onLine(line)
    }),
    onSubmitted: (h) => Effect.sync(() => void handles.push(h))
  }
  return { lines, handles, hooks }
}

const failureOf = async (job: Job, hooks: Hooks, adopt?: JobHandle): Promise<unknown> => {
  const exit = await runNodeExit(executor.run(job, hooks, adopt))
  assert.ok(Exit.isFailure(exit), "the job was expected to fail")
  return Cause.squash(exit.cause)
}

const waitFor = async (cond: () => boolean, ms: number, what: string): Promise<void> => {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Every process's argv on this machine, to check that no secret shows up in `ps`. */
const allCommandLines = (): Array<string> =>
  fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e)).flatMap((pid) => {
    try {
      return [fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")]
    } catch {
      return []
    }
  })

before(() => {
  cluster = ensureSlurm()
})
after(() => {
  cluster.stop()
  fs.rmSync(root, { recursive: true, force: true })
})

// Concurrent: the TIMEOUT jobs take 60-90 s of wall time whatever else runs beside them.
describe("slurm executor", { concurrency: true, timeout: 600_000 }, () => {
  const skip = (t: { skip: (m: string) => void }): boolean => {
    if (cluster.skip !== undefined) t.skip(cluster.skip)
    return cluster.skip !== undefined
  }

  test("success: exit 0, stdout lines in order across polls, only the granted env, secret never in argv", async (t) => {
    if (skip(t)) return
    process.env.REVO_TEST_NOT_GRANTED = "must-not-reach-the-job"
    const job = makeJob("ok:lines", [
      "i=1; while [ $i -le 150 ]; do echo \"line $i\"; i=$((i+1)); done",
      "sleep 2",
      "i=151; while [ $i -le 300 ]; do echo \"line $i\"; i=$((i+1)); done",
      "echo \"token=${HF_TOKEN:-absent}\"; echo \"other=${REVO_TEST_NOT_GRANTED:-absent}\"; echo \"path=$PATH\"",
      "echo to-stderr >&2"
    ].join("\n"), { PATH: SYS_PATH, HF_TOKEN: SECRET })
    let argvChecked = false
    const r = recorder((line) => {
      // While the job sleeps mid-way: sbatch has run and the job's processes are alive.
      if (line === "line 150") {
        assert.ok(!allCommandLines().some((c) => c.includes(SECRET)), "the secret appears in some process's argv")
        argvChecked = true
      }
    })
    const result = await runNode(executor.run(job, r.hooks))
    assert.equal(result.exitCode, 0)
    assert.equal(result.state, "COMPLETED")
    assert.deepEqual(r.handles, [result.handle])
    assert.equal(result.handle.executor, "slurm")
    assert.ok(argvChecked)
    const expected = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`)
    assert.deepEqual(r.lines.slice(0, 300), expected)
    assert.deepEqual(r.lines.slice(300), [`token=${SECRET}`, "other=absent", `path=${SYS_PATH}`])
    assert.ok(!fs.readFileSync(scriptPath(job.cwd), "utf8").includes(SECRET), "the secret is written in the job script")
    const log = fs.readFileSync(job.logFile, "utf8")
    assert.match(log, /^to-stderr$/m)
    assert.match(log, new RegExp(`submitted slurm job ${result.handle.id}: sbatch --parsable --job-name=${jobName("revo-", job.taskKey)} `))
    assert.ok(!log.includes(SECRET), "the secret is in the log")
    assert.equal(fs.readFileSync(statusPath(job.cwd, result.handle.id), "utf8").trim(), "0")
    delete process.env.REVO_TEST_NOT_GRANTED
  })

  test("nothing granted: the job sees only Slurm's SLURM_* context, and a command by name still runs", async (t) => {
    if (skip(t)) return
    process.env.HF_TOKEN = "hf_in_revo_env_only"
    try {
      const job: Job = { ...makeJob("env:none", ""), command: ["env"], env: {} }
      const r = recorder()
      await runNode(executor.run(job, r.hooks))
      const names = r.lines.map((l) => l.split("=")[0] ?? "")
      assert.ok(names.includes("SLURM_JOB_ID"))
      assert.deepEqual(names.filter((n) => !n.startsWith("SLURM_") && n !== "PWD" && n !== "_" && n !== "SHLVL"), [])
    } finally {
      delete process.env.HF_TOKEN
    }
  })

  test("failure: exit 3 is FAILED, with the job id and the exit code", async (t) => {
    if (skip(t)) return
    const job = makeJob("fail:exit3", "echo partial; exit 3")
    const r = recorder()
    const err = await failureOf(job, r.hooks)
    assert.ok(err instanceof SlurmJobFailed)
    assert.equal(err.state, "FAILED")
    assert.equal(err.exitCode, 3)
    assert.equal(err.jobId, r.handles[0]?.id)
    assert.match(err.message, new RegExp(`^slurm job ${err.jobId} \\(fail:exit3\\) ended FAILED after \\d\\d:\\d\\d:\\d\\d with exit code 3$`))
    assert.deepEqual(r.lines, ["partial"])
    assert.equal(jobState(err.jobId), "FAILED")
  })

  test("timeout: a job past its time limit is TIMEOUT, with the job id", async (t) => {
    if (skip(t)) return
    const job = makeJob("slow:timeout", "echo started; sleep 600", { PATH: SYS_PATH }, { time: "0:01" })
    const r = recorder()
    const err = await failureOf(job, r.hooks)
    assert.ok(err instanceof SlurmJobFailed)
    assert.equal(err.state, "TIMEOUT")
    assert.equal(err.jobId, r.handles[0]?.id)
    assert.match(err.message, new RegExp(`^slurm job ${err.jobId} \\(slow:timeout\\) ended TIMEOUT after 00:0[12]:\\d\\d$`))
    assert.deepEqual(r.lines, ["started"])
    assert.match(fs.readFileSync(job.logFile, "utf8"), /DUE TO TIME LIMIT/)
  })

  test("retry: after TIMEOUT the job is resubmitted with twice the time, and then succeeds", async (t) => {
    if (skip(t)) return
    const retrying = makeSlurmExecutor({ poll: { initial: "100 millis", max: "500 millis" }, submitSpacing: "20 millis", retry: { max: 1, timeFactor: 2 } })
    // The first attempt leaves a marker and overruns; the second sees the marker and finishes.
    const job = makeJob("retry:timeout", "if [ -e marker ]; then echo second; exit 0; fi; touch marker; echo first; sleep 600", { PATH: SYS_PATH }, { time: "0:01" })
    const r = recorder()
    const result = await runNode(retrying.run(job, r.hooks))
    assert.equal(r.handles.length, 2)
    const [first, second] = r.handles.map((h) => h.id)
    assert.equal(result.handle.id, second)
    assert.deepEqual(r.lines, ["first", "second"])
    assert.equal(jobState(first!), "TIMEOUT")
    assert.match(slurm("scontrol", ["show", "job", "-o", second!]), /TimeLimit=00:02:00/)
  })

  test("a scancel from outside is reported as CANCELLED with the job id", async (t) => {
    if (skip(t)) return
    const job = makeJob("cancel:outside", "echo running; sleep 600")
    const r = recorder((line) => {
      if (line === "running") slurm("scancel", [r.handles[0]!.id])
    })
    const err = await failureOf(job, r.hooks)
    assert.ok(err instanceof SlurmJobFailed)
    assert.equal(err.state, "CANCELLED")
    assert.equal(err.jobId, r.handles[0]?.id)
    assert.match(err.message, new RegExp(`^slurm job ${err.jobId} \\(cancel:outside\\) ended CANCELLED`))
  })

  test("adoption: revo killed with SIGKILL mid-job; the next run waits for the same job, no second sbatch", async (t) => {
    if (skip(t)) return
    const job = makeJob("adopt:running", "echo one; sleep 3; echo two; echo three")
    const child = spawn(process.execPath, [fixture, JSON.stringify({ job })], { stdio: ["ignore", "pipe", "inherit"] })
    const events: Array<{ submitted?: JobHandle; line?: string }> = []
    let buffered = ""
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString()
      const parts = buffered.split("\n")
      buffered = parts.pop() ?? ""
      for (const p of parts) events.push(JSON.parse(p) as { submitted?: JobHandle; line?: string })
    })
    await waitFor(() => events.some((e) => e.line === "one"), 240_000, "the first revo to see the job's first line")
    child.kill("SIGKILL")
    await new Promise((r) => child.once("exit", r))
    const handle = events.find((e) => e.submitted !== undefined)!.submitted!
    assert.equal(jobState(handle.id), "RUNNING", "the job outlives the revo that submitted it")

    const r = recorder()
    const result = await runNode(executor.run(job, r.hooks, handle))
    assert.equal(result.handle.id, handle.id)
    assert.deepEqual(r.handles, [handle])
    // "one" was handed on (and its offset saved) before the crash, so the tail resumes after it.
    assert.deepEqual(r.lines, ["two", "three"])
    assert.deepEqual(jobsNamed(jobName("revo-", job.taskKey)), [handle.id], "exactly one job was ever submitted for this task")
  })

  test("adoption of a job that finished while revo was down: collected, not rerun", async (t) => {
    if (skip(t)) return
    const job = makeJob("adopt:finished", "echo done-early")
    const child = spawn(process.execPath, [fixture, JSON.stringify({ job })], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    await waitFor(() => out.includes("\"submitted\""), 240_000, "the submission")
    child.kill("SIGKILL")
    const handle = (JSON.parse(out.split("\n")[0]!) as { submitted: JobHandle }).submitted
    await waitFor(() => jobState(handle.id) === "COMPLETED", 240_000, "the job to complete")
    const r = recorder()
    const result = await runNode(executor.run(job, r.hooks, handle))
    assert.equal(result.state, "COMPLETED")
    assert.equal(result.handle.id, handle.id)
    assert.ok(r.lines.every((l) => l === "done-early"))
    assert.deepEqual(jobsNamed(jobName("revo-", job.taskKey)), [handle.id])
  })

  test("a live job whose id was never recorded is recognised by its name and work dir, not submitted again", async (t) => {
    if (skip(t)) return
    const job = makeJob("adopt:unrecorded", "echo hello; sleep 2; echo bye")
    const child = spawn(process.execPath, [fixture, JSON.stringify({ job })], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    await waitFor(() => out.includes("\"submitted\""), 240_000, "the submission")
    child.kill("SIGKILL") // as if revo died before the runtime stored the id
    const id = (JSON.parse(out.split("\n")[0]!) as { submitted: JobHandle }).submitted.id
    const r = recorder()
    const result = await runNode(executor.run(job, r.hooks))
    assert.equal(result.handle.id, id)
    assert.deepEqual(r.handles, [{ executor: "slurm", id }])
    assert.equal(r.lines.at(-1), "bye")
    assert.deepEqual(jobsNamed(jobName("revo-", job.taskKey)), [id])
  })

  test("adoption of a job the controller forgot: the status file decides; without one, SlurmJobLost", async (t) => {
    if (skip(t)) return
    // Ids far above anything this cluster handed out: unknown to the controller, as after MinJobAge.
    const job = makeJob("adopt:forgotten", "echo never-runs")
    fs.mkdirSync(path.dirname(statusPath(job.cwd, "9999901")), { recursive: true })
    fs.writeFileSync(statusPath(job.cwd, "9999901"), "0\n")
    const ok = await runNode(executor.run(job, recorder().hooks, { executor: "slurm", id: "9999901" }))
    assert.deepEqual([ok.handle.id, ok.state, ok.exitCode], ["9999901", "COMPLETED", 0])

    fs.writeFileSync(statusPath(job.cwd, "9999902"), "4\n")
    const failed = await failureOf(job, recorder().hooks, { executor: "slurm", id: "9999902" })
    assert.ok(failed instanceof SlurmJobFailed && failed.state === "FAILED" && failed.exitCode === 4)

    const lost = await failureOf(job, recorder().hooks, { executor: "slurm", id: "9999903" })
    assert.ok(lost instanceof SlurmJobLost)
    assert.equal(lost.jobId, "9999903")
    assert.deepEqual(jobsNamed(jobName("revo-", job.taskKey)), [], "adoption never submits")
  })

  test("interruption cancels our job and only ours", async (t) => {
    if (skip(t)) return
    const other = slurm("sbatch", ["--parsable", "--job-name=not-revo", `--output=${path.join(root, "other-%j.out")}`, "--wrap", "sleep 600"]).trim()
    try {
      const job = makeJob("interrupt:ours", "echo running; sleep 600")
      let seen = false
      const r = recorder((line) => void (seen ||= line === "running"))
      const fiber = forkNode(executor.run(job, r.hooks))
      await waitFor(() => seen, 240_000, "our job to run")
      const exit = await runNode(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
      assert.ok(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause))
      const ours = r.handles[0]!.id
      await waitFor(() => jobState(ours) === "CANCELLED", 10_000, "our job to be cancelled")
      assert.match(jobState(other), /^(RUNNING|PENDING)$/, "the job revo did not start keeps running")
      assert.match(fs.readFileSync(job.logFile, "utf8"), new RegExp(`interrupted: cancelled slurm job ${ours}`))
    } finally {
      slurm("scancel", [other])
    }
  })
})

// After the concurrent block: a controller restart would disturb the other tests' own scontrol calls.
describe("slurm executor, controller outage", { timeout: 120_000 }, () => {
  test("polling rides out a slurmctld restart while the job runs", async (t) => {
    if (cluster.skip !== undefined) return t.skip(cluster.skip)
    const dir = cluster.dir
    if (dir === undefined) return t.skip("the cluster was not started by .ci/slurm-up.sh (no REVO_SLURM_DIR), so it cannot be restarted here")
    // Clients block while slurmctld is away; a short command timeout turns that into failed polls.
    const patient = makeSlurmExecutor({ poll: { initial: "100 millis", max: "500 millis" }, commandTimeout: "1 second", controllerPatience: "1 minute" })
    const job = makeJob("outage:restart", "echo before; sleep 5; echo after")
    let restart: Promise<void> | undefined
    const r = recorder((line) => {
      if (line === "before") restart = restartController(dir, 2000)
    })
    const result = await runNode(patient.run(job, r.hooks))
    await restart
    assert.equal(result.state, "COMPLETED")
    assert.deepEqual(r.lines, ["before", "after"])
    assert.match(fs.readFileSync(job.logFile, "utf8"), /(squeue|scontrol) failed \(.*\); retrying while the controller recovers/)
  })
})
