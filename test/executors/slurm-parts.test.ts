/**
 * The Slurm executor's pure parts: resource merging and escalation, time/memory arithmetic,
 * scontrol parsing, and the batch script (run for real with bash, without Slurm).
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { after, test } from "node:test"
import { escalate, formatTime, mergeResources, parseMemMiB, parseTimeSeconds, resourceArgs, scaleMem, scaleTime } from "../../src/backends/executors/slurm-resources.ts"
import { clientEnv, renderScript, sbatchArgs, scriptPath, statusPath } from "../../src/backends/executors/slurm-script.ts"
import { isTerminal, isTransientSubmitError, jobInfoFromScontrol, parseScontrolLine } from "../../src/backends/executors/slurm-state.ts"
import { slurmOptionsFromSpec } from "../../src/backends/executors/slurm.ts"
import type { Job } from "../../src/backends/executors/types.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "revo-slurm-parts-"))
after(() => fs.rmSync(root, { recursive: true, force: true }))

test("time limits: Slurm's formats, rounding to minutes, scaling", () => {
  assert.equal(parseTimeSeconds("30"), 1800)
  assert.equal(parseTimeSeconds("0:01"), 1)
  assert.equal(parseTimeSeconds("02:00:00"), 7200)
  assert.equal(parseTimeSeconds("1-00:00:00"), 86400)
  assert.equal(parseTimeSeconds("2-3"), 2 * 86400 + 3 * 3600)
  assert.equal(parseTimeSeconds("1-2:30"), 86400 + 2 * 3600 + 30 * 60)
  assert.equal(parseTimeSeconds("soon"), undefined)
  assert.equal(formatTime(61), "00:02:00")
  assert.equal(formatTime(86400 * 2 + 60), "2-00:01:00")
  assert.equal(scaleTime("0:01", 2), "00:02:00", "Slurm rounds 1 s up to a minute; the retry doubles that")
  assert.equal(scaleTime("02:00:00", 1.5), "03:00:00")
  assert.equal(scaleTime("1-00:00:00", 2), "2-00:00:00")
})

test("memory: units and scaling to MiB", () => {
  assert.equal(parseMemMiB("4000"), 4000)
  assert.equal(parseMemMiB("8G"), 8192)
  assert.equal(parseMemMiB("1T"), 1024 * 1024)
  assert.equal(parseMemMiB("lots"), undefined)
  assert.equal(scaleMem("8G", 2), "16384M")
  assert.equal(scaleMem("1000M", 1.5), "1500M")
})

test("resources: task resources override executor defaults; flags; escalation only when configured", () => {
  const merged = mergeResources({ partition: "gpu", mem: "8G", time: "01:00:00", extraArgs: ["--qos=low"] }, { mem: "16G", gpus: 2, extraArgs: ["--constraint=a100"] })
  assert.deepEqual(merged, { partition: "gpu", mem: "16G", time: "01:00:00", gpus: 2, extraArgs: ["--qos=low", "--constraint=a100"] })
  assert.deepEqual(resourceArgs(merged), ["--partition=gpu", "--gpus=2", "--mem=16G", "--time=01:00:00", "--qos=low", "--constraint=a100"])
  assert.deepEqual(resourceArgs({ gres: "gpu:a100:1", gpus: 4, cpus: 8 }), ["--gres=gpu:a100:1", "--cpus-per-task=8"])
  const policy = { max: 2, memFactor: 2, timeFactor: 3 }
  assert.deepEqual(escalate("OUT_OF_MEMORY", merged, policy), { ...merged, mem: "32768M" })
  assert.deepEqual(escalate("TIMEOUT", merged, policy), { ...merged, time: "03:00:00" })
  assert.equal(escalate("FAILED", merged, policy), undefined)
  assert.equal(escalate("TIMEOUT", merged, { max: 2, memFactor: 2 }), undefined)
  assert.equal(escalate("OUT_OF_MEMORY", { time: "1" }, policy), undefined, "no memory request to scale")
  assert.equal(escalate("TIMEOUT", merged, undefined), undefined)
})

test("the spec's snake_case executor block maps onto the options", () => {
  assert.deepEqual(
    slurmOptionsFromSpec({ partition: "gpu", mem: "8G", extra_args: ["--qos=x"], retry: { max: 1, mem_factor: 2, time_factor: 2 } }),
    { partition: "gpu", mem: "8G", extraArgs: ["--qos=x"], retry: { max: 1, memFactor: 2, timeFactor: 2 } }
  )
})

test("scontrol -o: values with spaces, exit code and signal, states", () => {
  const line = "JobId=42 JobName=revo-ab UserId=root(0) JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 " +
    "RunTime=00:01:26 TimeLimit=00:01:00 AllocNode:Sid=localhost:3241 CPUs/Task=1 Command=/tmp/a dir/job.sh WorkDir=/tmp/a dir StdOut=/tmp/a dir/42.out"
  const f = parseScontrolLine(line)
  assert.equal(f.get("Command"), "/tmp/a dir/job.sh")
  assert.equal(f.get("WorkDir"), "/tmp/a dir")
  assert.equal(f.get("AllocNode:Sid"), "localhost:3241")
  assert.deepEqual(jobInfoFromScontrol(line), { state: "TIMEOUT", exitCode: 0, signal: 15, runTime: "00:01:26", reason: "TimeLimit", jobName: "revo-ab" })
  assert.equal(jobInfoFromScontrol("JobId=7 JobState=FAILED Reason=None ExitCode=3:0 RunTime=00:00:01")?.reason, undefined)
  assert.equal(jobInfoFromScontrol("slurm_load_jobs error: Invalid job id specified"), undefined)
  assert.ok(isTerminal("OUT_OF_MEMORY") && isTerminal("NODE_FAIL") && !isTerminal("COMPLETING") && !isTerminal("PENDING"))
  assert.ok(isTransientSubmitError("sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)"))
  assert.ok(!isTransientSubmitError("sbatch: error: Batch job submission failed: Requested node configuration is not available"))
})

test("sbatch args: no environment values, % in paths escaped, client env without job context", () => {
  const job: Job = { label: "t", taskKey: "0123456789abcdef0123", command: ["x"], cwd: "/w/100%", env: { HF_TOKEN: "hf_x" }, logFile: "/w/100%/log", resources: {} }
  const args = sbatchArgs(job, { time: "5" }, "revo-")
  assert.ok(args.includes("--job-name=revo-0123456789abcdef"))
  assert.ok(args.includes("--output=/w/100%%/.revo-slurm/%j.out"))
  assert.ok(args.includes("--error=/w/100%%/log"))
  assert.ok(args.includes("--time=5"))
  assert.equal(args.at(-1), "/w/100%/.revo-slurm/job.sh")
  assert.ok(!args.join(" ").includes("hf_x"))
  assert.deepEqual(
    clientEnv({ PATH: "/bin", SLURM_CONF: "/c", SLURM_JOB_ID: "9", SBATCH_ACCOUNT: "lab", SQUEUE_FORMAT: "%i", HF_TOKEN: "hf_x" }, true),
    { PATH: "/bin", SLURM_CONF: "/c", SBATCH_ACCOUNT: "lab" }
  )
})

test("the batch script (run by bash): exact argv, granted env only plus SLURM_*, status file", () => {
  const cwd = path.join(root, "it's a dir")
  fs.mkdirSync(path.join(cwd, ".revo-slurm"), { recursive: true })
  const job: Job = {
    label: "t", taskKey: "ab", cwd, logFile: path.join(cwd, "log"), resources: {},
    command: ["/bin/sh", "-c", "printf '%s|' \"$0\" \"$1\"; echo; env | sort; exit 5", "a 'quoted' $arg", "*"],
    env: { PATH: "/usr/bin:/bin", HF_TOKEN: "hf_granted" }
  }
  const script = renderScript(job)
  assert.ok(!script.includes("hf_granted"))
  fs.writeFileSync(scriptPath(cwd), script)
  // What Slurm would hand the script: the sbatch environment plus its own variables.
  const r = spawnSync("bash", [scriptPath(cwd)], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", HF_TOKEN: "hf_granted", SLURM_JOB_ID: "77", SBATCH_ACCOUNT: "lab", ENVIRONMENT: "BATCH", HOME: "/root" }
  })
  assert.equal(r.status, 5)
  const [argv, ...env] = r.stdout.trim().split("\n")
  assert.equal(argv, "a 'quoted' $arg|*|")
  const names = env.map((l) => l.split("=")[0]).filter((n) => n !== "PWD" && n !== "_" && n !== "SHLVL")
  assert.deepEqual(names, ["HF_TOKEN", "PATH", "SLURM_JOB_ID"])
  assert.ok(env.includes(`PWD=${cwd}`))
  assert.equal(fs.readFileSync(statusPath(cwd, "77"), "utf8"), "5\n")
})
