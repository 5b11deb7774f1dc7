// `revo score` as users run it, side by side in one run, interleaved (the machine is shared:
// only ratios within a run mean something): `node bin/revo.js score` (the pinned Node started
// directly), `npx revo score` (README's way: npx under the system Node, then the launcher),
// and `./bin/revo.js score` (the launcher's shell line execs the pinned Node). Workload: the
// 5,000 COCO val2017 images of score.bench.ts (first caption candidate, next four references),
// all seven caption metrics, output to a file; and the task metrics on OK-VQA's 4,456 questions
// (first answer as candidate, the ten answers as references).
// Wall and CPU (user+sys of the whole process tree, from /usr/bin/time) per run; medians.
// Usage: node bench/metrics/launch.bench.ts [--runs 7]
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { CAPTION_METRICS } from "../../src/metrics/index.ts"

const runsAt = process.argv.indexOf("--runs")
const RUNS = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 7
const root = new URL("../../", import.meta.url).pathname
const shared = new URL("../../../shared/data/", import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), "revo-launch-bench-"))

const coco = JSON.parse(readFileSync(join(shared, "coco-captions-val2017/captions_val2017.json"), "utf8")) as {
  images: Array<{ id: number }>; annotations: Array<{ image_id: number; caption: string }>
}
const byImage = new Map<number, Array<string>>()
for (const a of coco.annotations) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a.caption])
const cocoIn = join(dir, "coco5k.jsonl")
writeFileSync(cocoIn, coco.images.map((im) => {
  const caps = byImage.get(im.id)!
  return JSON.stringify({ id: String(im.id), candidate: caps[0], references: caps.slice(1, 5) })
}).join("\n") + "\n")
const okvqa = JSON.parse(readFileSync(join(shared, "okvqa-val/okvqa_test_split.json"), "utf8")) as Array<{ question_id: number; answers: Array<string> }>
const vqaIn = join(dir, "okvqa.jsonl")
writeFileSync(vqaIn, okvqa.map((q) => JSON.stringify({ id: String(q.question_id), candidate: q.answers[0], references: q.answers })).join("\n") + "\n")

// The user's PATH: the system Node first (no node_modules/.bin), as in a fresh shell.
const userPath = (process.env["PATH"] ?? "").split(":").filter((p) => !p.includes("node_modules")).join(":")
const env = { ...process.env, PATH: userPath }
const out = join(dir, "out.json")
const caption = ["score", "--input", cocoIn, "--metrics", CAPTION_METRICS.join(","), "--output", out]
const task = ["score", "--input", vqaIn, "--metrics", "vqa_accuracy,exact_match", "--output", out]
const variants: Array<[string, string, Array<string>]> = [
  ["node bin/revo.js score (7 caption metrics, 5k COCO)", process.execPath, [join(root, "bin/revo.js"), ...caption]],
  ["npx revo score (same)", "npx", ["revo", ...caption]],
  ["./bin/revo.js score (same)", join(root, "bin/revo.js"), caption],
  ["node bin/revo.js score (vqa_accuracy,exact_match, 4,456 OK-VQA)", process.execPath, [join(root, "bin/revo.js"), ...task]],
]

const time = (cmd: string, args: Array<string>): { wall: number; cpu: number } => {
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %e %U %S", cmd, ...args], { cwd: root, env, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`)
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr)!
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]) }
}
const median = (xs: Array<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const load0 = loadavg()[0]!
for (const [, cmd, args] of variants) time(cmd, args) // warm the compile cache and the page cache
const results = variants.map(() => ({ wall: [] as Array<number>, cpu: [] as Array<number> }))
for (let r = 0; r < RUNS; r++) {
  variants.forEach(([, cmd, args], k) => {
    const t = time(cmd, args)
    results[k]!.wall.push(t.wall)
    results[k]!.cpu.push(t.cpu)
  })
}
const load1 = loadavg()[0]!
const ref = median(results[0]!.wall)
console.log(`load average ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end; ${RUNS} interleaved runs each; Node ${process.version}`)
console.log(`| command | wall median (s) | CPU median (s) | wall / node bin/revo.js | runs (wall) |`)
console.log(`|---|---|---|---|---|`)
variants.forEach(([name], k) => {
  const w = median(results[k]!.wall)
  console.log(`| ${name} | ${w.toFixed(2)} | ${median(results[k]!.cpu).toFixed(2)} | ${(w / ref).toFixed(2)}x | ${results[k]!.wall.map((x) => x.toFixed(2)).join(" ")} |`)
})
rmSync(dir, { recursive: true, force: true })
