// Benchmark of revo's caption metrics (issue 3). Workload: the 5,000 images of
// ../shared/data/coco-captions-val2017, first caption (annotation order) as candidate, the
// next four as references, all seven metrics.
//   1. whole `node src/cli/score.ts` process, warm WordNet cache (median of runs) and cold
//      (fresh REVO_CACHE_DIR), wall clock and peak RSS;
//   2. items/s per metric, in process (tokenization included in each, as each metric needs it);
//   3. memory: 200,000 items (the real captions, repeated with a seeded rotation of which
//      caption is the candidate and a seeded word drop), whole process, peak RSS.
// The machine is shared: load averages are recorded, CPU seconds are given beside wall
// seconds, and --baseline runs another checkout's src/cli/score.ts interleaved with this
// one (same inputs, same moments) so that their ratio is meaningful; --big 0 skips step 3.
// Each warm run reports its phases (REVO_SCORE_PHASES: ms since process start).
// Also times `node bin/revo.js score ...` (revo_score_warm_cache_s): the command as users run it.
// Usage: node bench/metrics/score.bench.ts [--runs 5] [--big 200000] [--baseline path/to/score.ts]
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { CAPTION_METRICS, Scorer, type ScoreItem } from "../../src/metrics/index.ts"

const argv = process.argv.slice(2)
const opt = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : dflt
}
const RUNS = opt("runs", 5)
const BIG = opt("big", 200_000)
const bi = argv.indexOf("--baseline")
const BASELINE = bi >= 0 ? argv[bi + 1] : undefined
const loadAtStart = loadavg().map((x) => Number(x.toFixed(2)))

const root = new URL("../../", import.meta.url).pathname
const coco = JSON.parse(readFileSync(new URL("../../../shared/data/coco-captions-val2017/captions_val2017.json", import.meta.url), "utf8")) as {
  images: Array<{ id: number }>
  annotations: Array<{ image_id: number; caption: string }>
}
const byImage = new Map<number, Array<string>>()
for (const a of coco.annotations) {
  const l = byImage.get(a.image_id) ?? []
  l.push(a.caption)
  byImage.set(a.image_id, l)
}
const items: Array<ScoreItem> = coco.images.map((im) => {
  const caps = byImage.get(im.id) as Array<string>
  return { id: String(im.id), candidate: caps[0] as string, references: caps.slice(1, 5) }
})

const dir = mkdtempSync(join(tmpdir(), "revo-bench-"))
const input = join(dir, "coco5k.jsonl")
writeFileSync(input, items.map((it) => JSON.stringify(it)).join("\n") + "\n")

// Peak RSS of the child, reported by the child itself at exit.
const RSS_HOOK =
  'data:text/javascript,process.on("exit",()=>{const u=process.resourceUsage();process.stderr.write("MAXRSS_KB "+u.maxRSS+" CPU_US "+(u.userCPUTime+u.systemCPUTime)+"\\n")})'

interface CliRun {
  wall: number
  cpu: number
  rssMb: number
  phases: string
}

function runCli(args: Array<string>, env: NodeJS.ProcessEnv = process.env, script = join(root, "src/cli/score.ts")): CliRun {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ["--import", RSS_HOOK, script, ...args], { env: { ...env, REVO_SCORE_PHASES: "1" }, encoding: "utf8" })
  const wall = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`score failed: ${r.stderr}`)
  const m = /MAXRSS_KB (\d+) CPU_US (\d+)/.exec(r.stderr)
  const phases = /REVO_SCORE_PHASES (.*)/.exec(r.stderr)?.[1] ?? ""
  return { wall, cpu: m ? Number(m[2]) / 1e6 : NaN, rssMb: m ? Number(m[1]) / 1024 : NaN, phases }
}

const median = (xs: Array<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

const cliArgs = ["--input", input, "--metrics", CAPTION_METRICS.join(","), "--output", join(dir, "out.json")]
const coldDir = join(dir, "cold-cache")
const cold = runCli(cliArgs, { ...process.env, REVO_CACHE_DIR: coldDir })
runCli(cliArgs) // make sure the default cache is warm
const warm: Array<CliRun> = []
const viaRevo: Array<CliRun> = []
const base: Array<CliRun> = []
if (BASELINE !== undefined) runCli(cliArgs, process.env, BASELINE)
const revoBin = join(root, "bin/revo.js")
runCli(["score", ...cliArgs], process.env, revoBin) // warm its compile cache
for (let r = 0; r < RUNS; r++) {
  warm.push(runCli(cliArgs))
  // The command as users run it: `revo score ...` through the revo executable.
  viaRevo.push(runCli(["score", ...cliArgs], process.env, revoBin))
  if (BASELINE !== undefined) base.push(runCli(cliArgs, process.env, BASELINE))
}
const corpus = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")).corpus

// Items per second per metric, in process (after one warm-up pass each).
const perMetric: Array<[string, number]> = []
for (const m of [["bleu1", "bleu2", "bleu3", "bleu4"], ["meteor"], ["rouge_l"], ["cider"], [...CAPTION_METRICS]] as const) {
  new Scorer(m).finishWith(items)
  const t0 = performance.now()
  new Scorer(m).finishWith(items)
  perMetric.push([m.length === 4 ? "bleu1-4" : m.length === 7 ? "all seven" : (m[0] as string), items.length / ((performance.now() - t0) / 1000)])
}

// Memory run: BIG items generated from the real captions.
const bigInput = join(dir, "big.jsonl")
{
  const out = createWriteStream(bigInput)
  let seed = 20240607
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
  const caps = [...byImage.values()]
  for (let i = 0; i < BIG; i++) {
    const group = caps[i % caps.length] as Array<string>
    const rot = Math.floor(i / caps.length) % group.length
    const c = [...group.slice(rot), ...group.slice(0, rot)]
    const words = (c[0] as string).split(" ")
    if (words.length > 3) words.splice(Math.floor(rand() * words.length), 1)
    out.write(JSON.stringify({ id: `big-${i}`, candidate: words.join(" "), references: c.slice(1, 5) }) + "\n")
  }
  await new Promise<void>((resolve) => out.end(resolve))
}
const big = BIG > 0 ? runCli(["--input", bigInput, "--metrics", CAPTION_METRICS.join(","), "--output", join(dir, "big.json")]) : { wall: NaN, cpu: NaN, rssMb: NaN }
rmSync(dir, { recursive: true, force: true })

const cpu = execFileSync("sh", ["-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; nproc"], { encoding: "utf8" }).trim().replace(/\n/g, ", cores: ")
const summary = (runs: Array<CliRun>) => ({
  wall_s: { median: Number(median(runs.map((w) => w.wall)).toFixed(3)), runs: runs.map((w) => Number(w.wall.toFixed(3))) },
  cpu_s: { median: Number(median(runs.map((w) => w.cpu)).toFixed(3)), runs: runs.map((w) => Number(w.cpu.toFixed(3))) },
})
const report = {
  node: process.version,
  cpu,
  load_average_at_start: loadAtStart,
  load_average_at_end: loadavg().map((x) => Number(x.toFixed(2))),
  workload: `${items.length} COCO val2017 images, 1 candidate + 4 references, all seven metrics`,
  revo_score_warm_cache_s: { median: Number(median(viaRevo.map((w) => w.wall)).toFixed(3)), runs: viaRevo.map((w) => Number(w.wall.toFixed(3))) },
  whole_process_warm_cache_s: { median: Number(median(warm.map((w) => w.wall)).toFixed(3)), runs: warm.map((w) => Number(w.wall.toFixed(3))) },
  whole_process_warm_cache_cpu_s: { median: Number(median(warm.map((w) => w.cpu)).toFixed(3)), runs: warm.map((w) => Number(w.cpu.toFixed(3))) },
  whole_process_cold_cache_s: Number(cold.wall.toFixed(3)),
  whole_process_cold_cache_cpu_s: Number(cold.cpu.toFixed(3)),
  peak_rss_mb_5k: Number(median(warm.map((w) => w.rssMb)).toFixed(1)),
  phases_ms_since_start: warm.map((w) => w.phases),
  ...(BASELINE !== undefined ? { baseline: { script: BASELINE, ...summary(base) }, this_checkout_interleaved: summary(warm) } : {}),
  items_per_s: Object.fromEntries(perMetric.map(([k, v]) => [k, Math.round(v)])),
  memory_run: { items: BIG, wall_s: Number(big.wall.toFixed(2)), cpu_s: Number(big.cpu.toFixed(2)), peak_rss_mb: Number(big.rssMb.toFixed(1)) },
  corpus,
}
console.log(JSON.stringify(report, null, 2))
