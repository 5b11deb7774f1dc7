/**
 * Soak: `kill -9` the quickstart at random points, resume it, and demand the same bytes.
 *
 * One uninterrupted reference run, then N rounds; each round starts an empty store, kills the
 * run with SIGKILL at a seeded-random moment of the reference's wall time (5%..95%), resumes it
 * to the end, and checks that (a) every result file (results/quickstart/, the run journal
 * excluded) is byte-identical to the reference, (b) the resume started no task the killed run
 * had finished, (c) the store passes `revo verify`. Not part of `npm test` (it takes long).
 *
 *   node bench/soak/soak.bench.ts [--rounds 20] [--seed 1] [-j 2] [--out bench/soak/last.json] [--small]
 * Progress goes to stderr after every round, and the JSON file is rewritten after every round,
 * so a partial soak still leaves its evidence.
 */
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { mulberry32 } from "../../src/util/prng.ts"
import { smallSpec } from "../../test/support/small-spec.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const main = join(root, "src/cli/main.ts")
const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback)
const rounds = Number(arg("--rounds", "20"))
const jobs = arg("-j", "2")
const out = arg("--out", join(root, "bench/soak/last.json"))
const seed = Number(arg("--seed", "1"))
/** Seeded, so a soak's kill points can be replayed. */
const random = mulberry32(seed)

const base = mkdtempSync(join(tmpdir(), "revo-soak-"))
// --small: the three-dataset experiment of the tests (real data, as a process plugin), for a
// machine too busy for 20 quickstart rounds in the time there is.
const small = process.argv.includes("--small") ? smallSpec() : undefined
const spec = small?.spec ?? join(root, "experiments/quickstart.yaml")
const experiment = small === undefined ? "quickstart" : "small"

const digest = (dir: string): Record<string, string> => {
  const d: Record<string, string> = {}
  const walk = (p: string) => {
    for (const f of readdirSync(p).sort()) {
      const full = join(p, f)
      if (f === "runs") continue
      if (statSync(full).isDirectory()) walk(full)
      else d[full.slice(dir.length + 1)] = createHash("sha256").update(readFileSync(full)).digest("hex")
    }
  }
  walk(dir)
  return d
}

interface Event { readonly event: string; readonly task: string }
const runEvents = (results: string): Array<Array<Event>> => {
  const runs = join(results, "runs")
  return readdirSync(runs).sort().map((r) => {
    const f = join(runs, r, "events.jsonl")
    // The killed run's last line may be torn: skip what does not parse.
    return existsSync(f) ? readFileSync(f, "utf8").split("\n").flatMap((l) => { try { return [JSON.parse(l) as Event] } catch { return [] } }) : []
  })
}

const runToEnd = (store: string): { code: number | null; seconds: number; stderr: string } => {
  const t0 = Date.now()
  const r = spawnSync(process.execPath, [main, "run", spec, "--store", store, "-j", jobs], { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 })
  return { code: r.status, seconds: (Date.now() - t0) / 1000, stderr: r.stderr }
}

const killAfter = (store: string, ms: number): Promise<{ killed: boolean }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [main, "run", spec, "--store", store, "-j", jobs], { cwd: root, stdio: "ignore" })
    const timer = setTimeout(() => child.kill("SIGKILL"), ms)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      resolve({ killed: signal === "SIGKILL" && code === null })
    })
  })

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")

const report: {
  started: string; spec: string; seed: number; jobs: string; reference?: { seconds: number; files: number }; rounds: Array<Record<string, unknown>>
} = { started: new Date().toISOString(), spec: small === undefined ? "experiments/quickstart.yaml" : "small (test/support/small-spec.ts: 3 real datasets, 75 tasks)", seed, jobs, rounds: [] }
const save = () => writeFileSync(out, JSON.stringify(report, null, 2) + "\n")

const refStore = join(base, "reference", ".revo")
const ref = runToEnd(refStore)
if (ref.code !== 0) throw new Error(`reference run failed (${ref.code}):\n${ref.stderr}`)
const refDigest = digest(join(base, "reference", experiment))
report.reference = { seconds: ref.seconds, files: Object.keys(refDigest).length }
save()
process.stderr.write(`reference: ${ref.seconds.toFixed(1)} s, ${report.reference.files} result files, load ${loadavg()}\n`)

for (let i = 1; i <= rounds; i++) {
  const dir = join(base, `round-${i}`)
  const store = join(dir, ".revo")
  // A run that finished before its kill point (the machine got faster) is no round: draw again.
  let killMs = 0
  let killed = false
  for (let draw = 0; draw < 5 && !killed; draw++) {
    spawnSync("rm", ["-rf", dir])
    killMs = Math.round((0.05 + 0.9 * random()) * ref.seconds * 1000 * (draw === 0 ? 1 : 0.5))
    killed = (await killAfter(store, killMs)).killed
  }
  const results = join(dir, experiment)
  const before = existsSync(join(results, "runs")) ? runEvents(results).flat() : []
  const doneBefore = new Set(before.filter((e) => e.event === "done").map((e) => e.task))
  const resumed = runToEnd(store)
  const after = runEvents(results).at(-1) ?? []
  const redone = after.filter((e) => e.event === "start" && doneBefore.has(e.task)).map((e) => e.task)
  const d = resumed.code === 0 ? digest(results) : {}
  const differing = Object.keys({ ...refDigest, ...d }).filter((f) => refDigest[f] !== d[f]).sort()
  const verify = spawnSync(process.execPath, [main, "verify", "--store", store], { cwd: root, encoding: "utf8" })
  const row = {
    round: i, kill_after_s: killMs / 1000, killed, done_before_kill: doneBefore.size,
    resumed_exit: resumed.code, resume_s: resumed.seconds,
    resume_ran: after.filter((e) => e.event === "start").length,
    redone_after_done: redone, differing_files: differing,
    verify_exit: verify.status, ...(verify.status === 0 ? {} : { verify_output: verify.stdout.split("\n").slice(-20).join("\n") }), load: loadavg()
  }
  report.rounds.push(row)
  save()
  process.stderr.write(`round ${i}: kill at ${(killMs / 1000).toFixed(1)} s (${killed ? "killed" : "had finished"}), ${doneBefore.size} done before, resume ran ${row.resume_ran} in ${resumed.seconds.toFixed(1)} s, ` +
    `${differing.length === 0 ? "identical" : `DIFFERS: ${differing.join(", ")}`}${redone.length ? `, REDONE: ${redone.join(", ")}` : ""}, verify exit ${verify.status}\n`)
  spawnSync("rm", ["-rf", dir])
}
const bad = report.rounds.filter((r) => r["resumed_exit"] !== 0 || (r["differing_files"] as Array<string>).length > 0 || (r["redone_after_done"] as Array<string>).length > 0)
process.stderr.write(`${report.rounds.length} rounds, ${bad.length} bad; details in ${out}\n`)
process.exit(bad.length === 0 ? 0 : 1)
