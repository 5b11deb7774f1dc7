/**
 * The local executor against real subprocesses: exit codes, stdout order, stderr to the log,
 * the granted environment only, process-group cleanup on interruption, and adoption.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Cause from "effect/Cause"
import assert from "node:assert/strict"
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { after, test } from "node:test"
import { groupAlive, LocalJobFailed, LocalSpawnFailed, localExecutor, makeLocalExecutor } from "../../src/backends/executors/local.ts"
import type { Hooks, Job, JobHandle } from "../../src/backends/executors/types.ts"
import { forkNode, runNode, runNodeExit } from "../support/node-services.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "revo-local-exec-"))
after(() => fs.rmSync(root, { recursive: true, force: true }))

const SYS_PATH = "/usr/local/bin:/usr/bin:/bin"
let n = 0
const makeJob = (command: ReadonlyArray<string>, env: Record<string, string> = { PATH: SYS_PATH }): Job => {
  const cwd = path.join(root, `task-${++n}`)
  fs.mkdirSync(cwd, { recursive: true })
  return { label: `test:${n}`, taskKey: `abc${n}`, command, cwd, env, logFile: path.join(cwd, "logs", "task.log"), resources: {} }
}

const recorder = () => {
  const lines: Array<string> = []
  const handles: Array<JobHandle> = []
  const hooks: Hooks = {
    onStdoutLine: (line) => Effect.sync(() => void lines.push(line)),
    onSubmitted: (h) => Effect.sync(() => void handles.push(h))
  }
  return { lines, handles, hooks }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0]
    return state !== "Z"
  } catch {
    return false
  }
}

const waitFor = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting")
    await new Promise((r) => setTimeout(r, 20))
  }
}

test("success: exit 0, stdout lines in order, stderr appended to the log, pid handed out first", async () => {
  const job = makeJob(["sh", "-c", 'i=1; while [ $i -le 300 ]; do echo "line $i"; i=$((i+1)); done; echo "oops" >&2; printf "tail-without-newline"'])
  fs.mkdirSync(path.dirname(job.logFile), { recursive: true })
  fs.writeFileSync(job.logFile, "earlier attempt\n")
  const r = recorder()
  const result = await runNode(localExecutor.run(job, r.hooks))
  assert.equal(result.exitCode, 0)
  assert.equal(result.handle.executor, "local")
  assert.deepEqual(r.handles, [result.handle])
  assert.match(result.handle.id, /^[0-9]+$/)
  const expected = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`)
  assert.deepEqual(r.lines, [...expected, "tail-without-newline"])
  assert.equal(fs.readFileSync(job.logFile, "utf8"), "earlier attempt\noops\n")
})

test("failure: a non-zero exit becomes LocalJobFailed with the exit code", async () => {
  const job = makeJob(["sh", "-c", "echo before; exit 3"])
  const r = recorder()
  const exit = await runNodeExit(localExecutor.run(job, r.hooks))
  assert.ok(Exit.isFailure(exit))
  const err = Cause.squash(exit.cause)
  assert.ok(err instanceof LocalJobFailed)
  assert.equal(err.exitCode, 3)
  assert.equal(err.pid, r.handles[0]?.id)
  assert.match(err.message, /^local job test:\d+ \(pid \d+\) exited with code 3$/)
  assert.deepEqual(r.lines, ["before"])
})

test("a missing command is a typed spawn error, not a crash", async () => {
  const job = makeJob(["revo-no-such-command-xyz"])
  const exit = await runNodeExit(localExecutor.run(job, recorder().hooks))
  assert.ok(Exit.isFailure(exit))
  assert.ok(Cause.squash(exit.cause) instanceof LocalSpawnFailed)
})

test("environment: exactly what is granted, nothing inherited (HF_TOKEN only when given)", async () => {
  process.env.HF_TOKEN = "hf_from_revo_env_must_not_leak"
  try {
    const bare = recorder()
    await runNode(localExecutor.run(makeJob(["env"], { PATH: SYS_PATH, FOO: "bar" }), bare.hooks))
    assert.deepEqual([...bare.lines].sort(), ["FOO=bar", `PATH=${SYS_PATH}`])

    const granted = recorder()
    await runNode(localExecutor.run(makeJob(["sh", "-c", 'echo "token=${HF_TOKEN:-absent}"'], { PATH: SYS_PATH, HF_TOKEN: "hf_granted" }), granted.hooks))
    assert.deepEqual(granted.lines, ["token=hf_granted"])

    // No PATH granted at all: argv[0] is still found (on revo's PATH) and the child sees an empty env.
    const none = recorder()
    await runNode(localExecutor.run(makeJob(["env"], {}), none.hooks))
    assert.deepEqual(none.lines, [])
  } finally {
    delete process.env.HF_TOKEN
  }
})

test("interruption kills the whole process group, escalating to SIGKILL; no orphan survives", async () => {
  // The leader ignores SIGTERM, so only the SIGKILL after the grace period ends it.
  const job = makeJob(["sh", "-c", 'trap "" TERM; sleep 300 & echo "child $!"; echo "leader $$"; wait'])
  const r = recorder()
  const executor = makeLocalExecutor({ killGrace: "300 millis" })
  const fiber = forkNode(executor.run(job, r.hooks))
  await waitFor(() => r.lines.length >= 2)
  const child = Number(r.lines[0]?.split(" ")[1])
  const leader = Number(r.lines[1]?.split(" ")[1])
  assert.equal(String(leader), r.handles[0]?.id)
  assert.ok(alive(child) && alive(leader))
  const t0 = Date.now()
  const exit = await runNode(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
  assert.ok(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause))
  assert.ok(Date.now() - t0 >= 250, "SIGTERM was ignored, so the grace period had to elapse")
  await waitFor(() => !alive(child) && !alive(leader), 3000)
  assert.equal(groupAlive(leader), false, "no live member of the job's process group is left")
})

test("adopt: a leftover group of ours from a dead revo is killed, and the job starts afresh", async () => {
  const job = makeJob(["sh", "-c", "echo fresh"])
  // What a revo killed with -9 leaves behind: a detached group running in the task's work dir.
  const leftover = ChildProcess.spawn("sh", ["-c", "sleep 300 & wait"], { cwd: job.cwd, detached: true, stdio: "ignore" })
  leftover.unref()
  const pid = leftover.pid!
  await waitFor(() => fs.readlinkSync(`/proc/${pid}/cwd`) === fs.realpathSync(job.cwd))
  // A process that is not ours (another cwd) must be left alone even if its pid is handed in.
  const stranger = ChildProcess.spawn("sleep", ["300"], { cwd: root, detached: true, stdio: "ignore" })
  stranger.unref()
  try {
    const r = recorder()
    const result = await runNode(localExecutor.run(job, r.hooks, { executor: "local", id: String(pid) }))
    assert.deepEqual(r.lines, ["fresh"])
    assert.notEqual(result.handle.id, String(pid))
    await waitFor(() => !alive(pid), 3000)
    assert.equal(groupAlive(pid), false)
    assert.match(fs.readFileSync(job.logFile, "utf8"), new RegExp(`pid ${pid} from an earlier run is still alive`))

    const job2 = makeJob(["true"], { PATH: SYS_PATH })
    await runNode(localExecutor.run(job2, recorder().hooks, { executor: "local", id: String(stranger.pid) }))
    assert.ok(alive(stranger.pid!), "a process that is not ours is never killed")
  } finally {
    try { process.kill(-pid, "SIGKILL") } catch { /* gone */ }
    stranger.kill("SIGKILL")
  }
})
