/**
 * The main job, timed: a cold `revo run experiments/quickstart.yaml` into an empty store (goal:
 * under 3 minutes and 1 GB peak on the 2-core machine), then warm reruns (goal: under 2 s, no
 * byte of the results changed). Run: node bench/quickstart.bench.ts [-j N]
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../", import.meta.url))
const jobs = process.argv.includes("-j") ? process.argv[process.argv.indexOf("-j") + 1]! : "2"
const dir = mkdtempSync(join(tmpdir(), "revo-quickstart-bench-"))
const store = join(dir, ".revo")

const timed = (label: string): { label: string; seconds: number; maxRssMb: number } => {
  const out = execFileSync("bash", ["-c",
    `cd "${root}" && /usr/bin/time -f "__TIME__ %e %M" "${process.execPath}" src/cli/main.ts run experiments/quickstart.yaml --store "${store}" -j ${jobs} 2>&1 | grep __TIME__`
  ], { encoding: "utf8" })
  const [, s, kb] = out.trim().split(" ")
  return { label, seconds: Number(s), maxRssMb: Math.round(Number(kb) / 1024) }
}

const digest = (d: string): Record<string, string> => {
  const out: Record<string, string> = {}
  const walk = (p: string) => {
    for (const f of readdirSync(p)) {
      const full = join(p, f)
      if (f === "runs") continue
      if (statSync(full).isDirectory()) walk(full)
      else out[full.slice(d.length + 1)] = createHash("sha256").update(readFileSync(full)).digest("hex").slice(0, 16)
    }
  }
  walk(d)
  return out
}

const results = join(dir, "quickstart")
const cold = timed("cold")
const before = digest(results)
const warm = [timed("warm 1"), timed("warm 2"), timed("warm 3")]
const after = digest(results)
console.log(JSON.stringify({
  jobs, cold, warm,
  unchanged: JSON.stringify(before) === JSON.stringify(after),
  files: Object.keys(before).length
}, null, 2))
