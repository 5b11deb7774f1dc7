/**
 * `revo validate`'s data check on experiments/quickstart.yaml: reading every source and join
 * (first records checked) against the whole `revo validate` process, with and without it; and
 * the split check's work when its verdict is not cached (loading and splitting every dataset).
 * The `revo validate` runs reuse the cached split verdict after the first.
 * CPU time is reported beside wall time: on a shared machine wall time measures the queue.
 *   node bench/data/check.bench.ts [repeats]
 */
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import { checkData } from "../../src/data/check.ts"
import { checkSplits } from "../../src/plan/split-check.ts"
import { loadSpec } from "../../src/spec/load.ts"

const repeats = Number(process.argv[2] ?? 5)
const dataRoot = fileURLToPath(new URL("../../../shared/data/", import.meta.url))
const spec = fileURLToPath(new URL("../../experiments/quickstart.yaml", import.meta.url))
const bin = fileURLToPath(new URL("../../bin/revo.js", import.meta.url))
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000

const main = async () => {
  const loaded = await Effect.runPromise(loadSpec(spec, { dataRoot }))
  const wall: Array<number> = []
  const cpu: Array<number> = []
  for (let i = 0; i < repeats; i++) {
    const c = process.cpuUsage()
    const t = performance.now()
    const r = await Effect.runPromise(checkData(loaded.spec.datasets, { dataRoot: loaded.dataRoot }))
    wall.push(performance.now() - t)
    cpu.push(cpuMs(process.cpuUsage(c)))
    if (r.problems.length > 0) throw new Error(`quickstart has data problems: ${JSON.stringify(r.problems)}`)
  }
  console.log(`checkData (fresh parse cache each time), in process: wall median ${median(wall).toFixed(0)} ms, cpu median ${median(cpu).toFixed(0)} ms over ${repeats}`)
  // The split check's work on a cache miss: load every dataset from the check's parse, then split.
  const sizing: Array<number> = []
  for (let i = 0; i < repeats; i++) {
    const r = await Effect.runPromise(checkData(loaded.spec.datasets, { dataRoot: loaded.dataRoot }))
    const c = process.cpuUsage()
    const { samples } = await Effect.runPromise(r.loadSamples())
    const { problems } = checkSplits(loaded.spec, samples)
    sizing.push(cpuMs(process.cpuUsage(c)))
    if (problems.length > 0) throw new Error(`quickstart has split problems: ${JSON.stringify(problems)}`)
  }
  console.log(`split check on a cache miss (load ${Object.keys(loaded.spec.datasets).length} datasets from the parse, split), in process: cpu median ${median(sizing).toFixed(0)} ms, first ${sizing[0]!.toFixed(0)} ms over ${repeats}`)
  for (const args of [[], ["--no-data"]]) {
    const w: Array<number> = []
    for (let i = 0; i < repeats; i++) {
      const t = performance.now()
      execFileSync(process.execPath, [bin, "validate", spec, "--data-root", dataRoot, ...args], { stdio: "ignore" })
      w.push(performance.now() - t)
    }
    console.log(`revo validate ${args.join(" ") || "(with the data check)"}: wall median ${median(w).toFixed(0)} ms, min ${Math.min(...w).toFixed(0)} ms over ${repeats}`)
  }
}
main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
