/**
 * What revo writes about a misbehaving process plugin, through the real CLI, real plugin
 * processes and the real quickstart data: secrets are masked in every file and message, a
 * signal death names the signal, the summary quotes the cause (the last stderr line), exhausted
 * retries say so, plugin `log` events reach the run's events, and a huge stdout line or a
 * stderr flood costs revo neither memory nor unbounded disk.
 */
import assert from "node:assert/strict"
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { STDERR_LOG_LIMIT, STDERR_TAIL, STDOUT_LINE_LIMIT } from "../../src/backends/executors/output.ts"
import { type Cluster, ensureSlurm } from "../executors/slurm-cluster.ts"
import { repoRoot, revo } from "../support/cli.ts"
import { lastRunEvents, smallSpec } from "../support/small-spec.ts"

const TOKEN = "hf_RevoTestSecret0123456789abcdefXYZ"
const API_KEY = "wandb-key-9f8e7d6c5b4a"

/** The example plugin behind a shell wrapper that misbehaves per tune task. */
const plugin = (dir: string): string => {
  const p = join(dir, "misbehaving")
  mkdirSync(p, { recursive: true })
  copyFileSync(join(repoRoot, "plugins/example-echo/plugin.py"), join(p, "plugin.py"))
  writeFileSync(join(p, "wrapper.sh"), `#!/bin/bash
label=$(grep -o '"label": *"[^"]*"' request.json | sed 's/.*: *"//; s/"$//')
case "$label" in
  tune:coco-mini)
    # the secrets in every channel: stderr, a log event, a progress message, a bad stdout line later
    echo "{\\"event\\":\\"log\\",\\"level\\":\\"warn\\",\\"message\\":\\"logging in with $HF_TOKEN and $WANDB_API_KEY\\"}"
    echo "{\\"event\\":\\"progress\\",\\"done\\":0,\\"total\\":1,\\"message\\":\\"auth $HF_TOKEN\\"}"
    for i in $(seq 1 30); do echo "step $i of the traceback (token $HF_TOKEN)" >&2; done
    echo "RuntimeError: bad credentials $WANDB_API_KEY" >&2
    exit 3 ;;
  tune:llava-bench-coco)
    echo "about to dereference null" >&2
    kill -SEGV $$ ;;
  tune:llava-instruct-100)
    echo "GPU busy, try again" >&2
    exit 75 ;;
  tune:union)
    # 40 MiB on stderr, then one 200 MB line on stdout
    head -c ${STDERR_LOG_LIMIT + 8 * 1024 * 1024} /dev/zero | tr '\\0' 'e' | fold -w 1000 >&2
    echo "the last stderr line" >&2
    head -c 200000000 /dev/zero | tr '\\0' 'x'
    echo
    exec python3 "$REVO_PLUGIN_DIR/plugin.py" ;;
esac
exec python3 "$REVO_PLUGIN_DIR/plugin.py"
`)
  writeFileSync(join(p, "revo-plugin.json"), JSON.stringify({
    name: "misbehaving", version: "0.0.1", kind: "process", capabilities: ["tune", "answer"], command: ["bash", "wrapper.sh"]
  }))
  return p
}

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [])

describe("runtime: what revo writes about a failing process plugin", () => {
  const s = smallSpec({ extra: "" })
  const p = plugin(s.dir)
  const rssFile = join(s.dir, "maxrss")
  writeFileSync(join(s.dir, "maxrss.mjs"), `import { writeFileSync } from "node:fs"
process.on("exit", () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)))
`)
  const r = revo(
    ["run", s.spec, "--store", s.store, "--set", `backend.plugin=${p}`, "--set", "backend.env=[HF_TOKEN, WANDB_API_KEY]"],
    { env: { ...process.env, HF_TOKEN: TOKEN, WANDB_API_KEY: API_KEY, NODE_OPTIONS: `--import=${join(s.dir, "maxrss.mjs")}` } }
  )
  const events = lastRunEvents(s)
  const failedWith = (task: string) => events.find((e) => e.event === "failed" && e.task === task)?.error ?? ""

  it("the run fails (exit 1) and lists each task", () => {
    assert.equal(r.code, 1, r.stderr)
  })

  it("no granted secret appears in any file revo wrote, nor in its output", () => {
    const leaks = [...filesUnder(join(s.dir, "results")).filter((f) => {
      const text = readFileSync(f, "latin1")
      return text.includes(TOKEN) || text.includes(API_KEY)
    })]
    assert.deepEqual(leaks, [])
    for (const out of [r.stdout, r.stderr]) {
      assert.ok(!out.includes(TOKEN) && !out.includes(API_KEY), out)
    }
    // ... and the masked text is still there to read: the log, the failure and the log event
    assert.match(failedWith("tune:coco-mini"), /RuntimeError: bad credentials \*\*\*/)
    const logEvent = events.find((e) => e.event === "log" && e.task === "tune:coco-mini") as { message?: string; level?: string } | undefined
    assert.equal(logEvent?.message, "logging in with *** and ***")
    assert.equal(logEvent?.level, "warn")
  })

  it("the summary quotes the cause: the last stderr line", () => {
    assert.match(r.stderr, /- tune:coco-mini: plugin "misbehaving" \(task tune:coco-mini\): exited with code 3; last lines of stderr: RuntimeError: bad credentials \*\*\*\n/)
  })

  it("a signal death names the signal", () => {
    assert.match(failedWith("tune:llava-bench-coco"), /was killed by SIGSEGV \(exit code 139\); last lines of stderr:\nabout to dereference null/)
  })

  it("retries that run out say how many attempts were made", () => {
    assert.match(failedWith("tune:llava-instruct-100"), /^after 3 attempts: plugin "misbehaving" \(task tune:llava-instruct-100\): exited with code 75/)
    assert.match(r.stderr, /- tune:llava-instruct-100: after 3 attempts: /)
  })

  it("a 200 MB stdout line is refused with the limit, without holding it in memory", (t) => {
    const maxRssKiB = Number(readFileSync(rssFile, "utf8"))
    t.diagnostic(`revo's peak resident memory: ${Math.round(maxRssKiB / 1024)} MiB`)
    assert.match(failedWith("tune:union"), new RegExp(`bad event on stdout line 1: line longer than ${STDOUT_LINE_LIMIT} bytes`))
    assert.ok(maxRssKiB < 400 * 1024, `revo peaked at ${Math.round(maxRssKiB / 1024)} MiB`)
  })

  it("a stderr flood is cut at the limit, with a note, and its last lines are kept", () => {
    const logs = join(s.store, "logs")
    const unionLog = readdirSync(logs).map((f) => join(logs, f)).find((f) => readFileSync(f, "latin1").includes("the last stderr line"))!
    const size = statSync(unionLog).size
    assert.ok(size > STDERR_LOG_LIMIT && size < STDERR_LOG_LIMIT + STDERR_TAIL + 64 * 1024, `log is ${size} bytes`)
    assert.match(readFileSync(unionLog, "latin1"), /\[revo\] stderr exceeded 32 MiB this attempt: \d+ bytes after the first 32 MiB were not kept; the last \d+ bytes follow\n/)
  })
})

describe("runtime: secrets through the Slurm executor", { timeout: 300_000 }, () => {
  let cluster: Cluster = { skip: undefined, dir: undefined, stop: () => {} }
  before(() => {
    cluster = ensureSlurm()
  })
  after(() => cluster.stop())

  it("Slurm writes the job's stdout and stderr itself: revo masks both files once the job ends", (t) => {
    if (cluster.skip !== undefined) return t.skip(cluster.skip)
    const s = smallSpec()
    const p = join(s.dir, "leaky")
    mkdirSync(p, { recursive: true })
    // every tune prints the secrets on both channels and fails, so the graph ends after the tunes
    writeFileSync(join(p, "wrapper.sh"), `#!/bin/bash
echo "{\\"event\\":\\"log\\",\\"level\\":\\"info\\",\\"message\\":\\"token $HF_TOKEN key $WANDB_API_KEY\\"}"
echo "using $HF_TOKEN / $WANDB_API_KEY" >&2
exit 3
`)
    writeFileSync(join(p, "revo-plugin.json"), JSON.stringify({ name: "leaky", version: "0.0.1", kind: "process", capabilities: ["tune", "answer"], command: ["bash", "wrapper.sh"] }))
    const r = revo(
      ["run", s.spec, "--store", s.store, "--set", `backend.plugin=${p}`, "--set", "backend.env=[HF_TOKEN, WANDB_API_KEY]", "--set", "backend.executor.kind=slurm"],
      { env: { ...process.env, HF_TOKEN: TOKEN, WANDB_API_KEY: API_KEY } }
    )
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /tune:coco-mini: plugin "leaky" \(task tune:coco-mini\): .*using \*\*\* \/ \*\*\*/)
    const files = filesUnder(s.dir).filter((f) => f.includes(join("results", "")))
    assert.ok(files.some((f) => f.endsWith(".out")), "the Slurm stdout files are there")
    const leaks = files.filter((f) => {
      const text = readFileSync(f, "latin1")
      return text.includes(TOKEN) || text.includes(API_KEY)
    })
    assert.deepEqual(leaks, [])
    assert.ok(!r.stderr.includes(TOKEN) && !r.stdout.includes(TOKEN))
  })
})
