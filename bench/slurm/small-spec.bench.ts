/**
 * Wall time of the small real-data spec (test/support/small-spec.ts: 3 datasets, 75 tasks of
 * which 36 tune/predict) with the retrieval process plugin on the local executor and on a real
 * single-node Slurm (the one SLURM_CONF names, else one started with .ci/slurm-up.sh).
 * Each configuration runs on a fresh store, so every task runs.
 *
 *   node bench/slurm/small-spec.bench.ts [-j N ...]    (default: -j 2 and -j 4)
 */
import { spawnSync } from "node:child_process"
import { cpus } from "node:os"
import { ensureSlurm } from "../../test/executors/slurm-cluster.ts"
import { repoRoot } from "../../test/support/cli.ts"
import { smallSpec } from "../../test/support/small-spec.ts"
import { jobsOfStore } from "../../test/e2e/support.ts"

const main = `${repoRoot}src/cli/main.ts`
const js = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number)
const jobs = js.length > 0 ? js : [2, 4]

const time = (executor: "local" | "slurm", j: number) => {
  const s = smallSpec({ process: true })
  const args = ["run", s.spec, "--store", s.store, "-j", String(j), ...(executor === "slurm" ? ["--set", "backend.executor.kind=slurm"] : [])]
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [main, ...args], { encoding: "utf8" })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`revo run failed (${executor}, -j ${j}):\n${r.stderr}`)
  const slurmJobs = executor === "slurm" ? jobsOfStore(s).length : 0
  return { executor, j, seconds, slurmJobs }
}

const cluster = ensureSlurm()
if (cluster.skip !== undefined) throw new Error(cluster.skip)
try {
  console.log(`node ${process.version}, ${cpus().length} CPUs, ${new Date().toISOString()}`)
  console.log("| executor | -j | wall s | slurm jobs |\n|---|---|---|---|")
  for (const j of jobs) {
    for (const executor of ["local", "slurm"] as const) {
      const r = time(executor, j)
      console.log(`| ${r.executor} | ${r.j} | ${r.seconds.toFixed(1)} | ${r.executor === "slurm" ? r.slurmJobs : "-"} |`)
    }
  }
} finally {
  cluster.stop()
}
