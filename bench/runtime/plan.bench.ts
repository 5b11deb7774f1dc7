/**
 * Planning at scale: a synthetic spec of 100 datasets (10,000 tune x eval cells), cut from the
 * real GQA questions of ../shared/data, planned with `revo plan --json` on an empty store.
 * Goal (issue 5): under 3 s and 300 MB. Run: node bench/runtime/plan.bench.ts
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const N = 100
const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url))
const gqa = fileURLToPath(new URL("../../../shared/data/gqa-testdev-balanced/GQA_Result_compare.csv", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "revo-plan-bench-"))
const lines = readFileSync(gqa, "utf8").split("\n")
const header = lines[0]!
const rows = lines.slice(1).filter(Boolean)
mkdirSync(join(dir, "data"))
let spec = "name: plan-bench\ndata_root: data\ndatasets:\n"
for (let d = 0; d < N; d++) {
  const part = rows.filter((_, i) => i % N === d)
  writeFileSync(join(dir, "data", `gqa-${d}.csv`), [header, ...part].join("\n") + "\n")
  spec += `  gqa-${String(d).padStart(3, "0")}:\n    source: { format: csv, path: gqa-${d}.csv }\n    fields: { id: question_id, image: image_id, instruction: question, references: full_answer }\n`
}
writeFileSync(join(dir, "spec.yaml"), spec)

const runs: Array<{ seconds: number; maxRssMb: number; tasks: number }> = []
for (let i = 0; i < 3; i++) {
  const r = execFileSync("bash", ["-c", `/usr/bin/time -f "%e %M" "${process.execPath}" "${main}" plan "${join(dir, "spec.yaml")}" --store "${join(dir, ".revo")}" --json 2>&1 >"${join(dir, "plan.json")}" | tail -1`], { encoding: "utf8" })
  const [s, kb] = r.trim().split(" ").map(Number) as [number, number]
  const tasks = (JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")).tasks as Array<unknown>).length
  runs.push({ seconds: s, maxRssMb: Math.round(kb / 1024), tasks })
}
console.log(JSON.stringify({ datasets: N, cells: N * N, runs }, null, 2))
