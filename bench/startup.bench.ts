/**
 * Start-up as users meet it, interleaved in one run (the machine is shared: compare within a
 * run): the warm no-op `npm start` (the quickstart rerun with everything cached, through the
 * no-op fast path), the same rerun through the full path (`node src/cli/main.ts run`, which
 * never takes the fast path), npm's and npx's own shares, and `revo --version` three ways. Each
 * command's wall time and CPU time (user + sys of the process tree, /usr/bin/time) per run;
 * medians. Needs a warm store: run `npm start` once first (the bench checks nothing ran).
 * Usage: node bench/startup.bench.ts [--runs 7]
 */
import { spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const runsAt = process.argv.indexOf("--runs")
const RUNS = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 7
const root = fileURLToPath(new URL("../", import.meta.url))

// A package whose only bin is `#!/bin/sh` + `exit 0` in node_modules/.bin: what `npx <bin>` costs
// before any program of ours runs (npm's start, its exec command, one shell).
const trivial = mkdtempSync(join(tmpdir(), "revo-npx-floor-"))
mkdirSync(join(trivial, "node_modules", ".bin"), { recursive: true })
writeFileSync(join(trivial, "package.json"), `{"name":"npx-floor","version":"1.0.0","private":true}\n`)
writeFileSync(join(trivial, "node_modules", ".bin", "noop"), "#!/bin/sh\nexit 0\n")
chmodSync(join(trivial, "node_modules", ".bin", "noop"), 0o755)

// The user's PATH: the system Node first (no node_modules/.bin), as in a fresh shell.
const userPath = (process.env["PATH"] ?? "").split(":").filter((p) => !p.includes("node_modules")).join(":")
const env = { ...process.env, PATH: userPath }

const variants: Array<[string, string, Array<string>, string]> = [
  ["`npm start`, warm no-op (fast path)", "npm", ["start"], root],
  ["`node bin/revo.js run experiments/quickstart.yaml` (fast path)", join(root, "node_modules/node/bin/node"), ["bin/revo.js", "run", "experiments/quickstart.yaml"], root],
  ["`node src/cli/main.ts run experiments/quickstart.yaml` (full path)", join(root, "node_modules/node/bin/node"), ["src/cli/main.ts", "run", "experiments/quickstart.yaml"], root],
  ["`npm run --silent revo -- --version` (npm's share of `npm start`)", "npm", ["run", "--silent", "revo", "--", "--version"], root],
  ["`npx revo --version`", "npx", ["revo", "--version"], root],
  ["`npx noop` (a `#!/bin/sh` bin that exits 0: npx's floor)", "npx", ["noop"], trivial],
  ["`node bin/revo.js --version` (pinned Node)", join(root, "node_modules/node/bin/node"), ["bin/revo.js", "--version"], root],
]

const time = (cmd: string, args: Array<string>, cwd: string): { wall: number; cpu: number; stderr: string } => {
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %e %U %S", cmd, ...args], { cwd, env, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`)
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr)!
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), stderr: r.stderr }
}
const median = (xs: Array<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const load0 = loadavg()[0]!
for (const [, cmd, args, cwd] of variants) {
  const { stderr } = time(cmd, args, cwd) // warm the compile cache and the page cache; the proof is written
  if ((args[0] === "start" || args.includes("experiments/quickstart.yaml")) && !/ 0 run, /.test(stderr)) throw new Error(`the store is not warm (run \`npm start\` first): ${stderr}`)
}
const results = variants.map(() => ({ wall: [] as Array<number>, cpu: [] as Array<number> }))
for (let r = 0; r < RUNS; r++) {
  variants.forEach(([, cmd, args, cwd], k) => {
    const t = time(cmd, args, cwd)
    results[k]!.wall.push(t.wall)
    results[k]!.cpu.push(t.cpu)
  })
}
const load1 = loadavg()[0]!
rmSync(trivial, { recursive: true, force: true })
console.log(`load average ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end; ${RUNS} interleaved runs each; Node ${process.version}`)
console.log(`| command | wall median (s) | CPU median (s) | runs (wall) |`)
console.log(`|---|---|---|---|`)
variants.forEach(([name], k) => {
  console.log(`| ${name} | ${median(results[k]!.wall).toFixed(2)} | ${median(results[k]!.cpu).toFixed(2)} | ${results[k]!.wall.map((x) => x.toFixed(2)).join(" ")} |`)
})
