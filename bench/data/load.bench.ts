/**
 * Loading all of ../shared/data as experiments/quickstart.yaml declares it (11 datasets, 31,100
 * samples, about 15 MB of JSON, JSON Lines and CSV), then splitting with the leakage rule.
 * Wall time per phase: the first (cold) load in a fresh process, then warm repeats.
 *   node bench/data/load.bench.ts [dataRoot] [repeats]
 */
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import { datasetKey, loadDataset, loadDatasets } from "../../src/data/load.ts"
import { ParseCache } from "../../src/data/read.ts"
import { splitAll } from "../../src/data/split.ts"
import { loadSpec } from "../../src/spec/load.ts"

const dataRoot = process.argv[2] ?? fileURLToPath(new URL("../../../shared/data/", import.meta.url))
const repeats = Number(process.argv[3] ?? 5)
const spec = fileURLToPath(new URL("../../experiments/quickstart.yaml", import.meta.url))

const ms = (t: number) => `${t.toFixed(0)} ms`
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const time = async <A>(f: () => Promise<A>): Promise<[A, number]> => {
  const t = performance.now()
  const a = await f()
  return [a, performance.now() - t]
}

const main = async () => {
  const loaded = await Effect.runPromise(loadSpec(spec, { dataRoot }))
  const decls = loaded.spec.datasets
  const ctx = { dataRoot: loaded.dataRoot }
  const [first, cold] = await time(() => Effect.runPromise(loadDatasets(decls, ctx)))
  const samples = Object.values(first).reduce((n, d) => n + d.samples.length, 0)
  const bytes = new Set(Object.values(first).flatMap((d) => d.files.map((f) => `${f.path}:${f.bytes}`)))
  const mb = [...bytes].reduce((n, k) => n + Number(k.split(":").at(-1)), 0) / 1e6
  const warm: Array<number> = []
  for (let i = 0; i < repeats; i++) warm.push((await time(() => Effect.runPromise(loadDatasets(decls, ctx))))[1])
  const splitTimes: Array<number> = []
  for (let i = 0; i < repeats; i++) {
    const t = performance.now()
    splitAll(Object.values(first).map((d) => ({ id: d.id, samples: d.samples })), { eval: 0.1, leakage: "image" }, 42)
    splitTimes.push(performance.now() - t)
  }
  const [, keys] = await time(() => Effect.runPromise(Effect.forEach(Object.keys(decls), (id) => datasetKey(id, decls[id]!, ctx))))
  const per: Array<string> = []
  const cache = new ParseCache()
  for (const id of Object.keys(decls).sort()) {
    const [d, t] = await time(() => Effect.runPromise(loadDataset(id, decls[id]!, { ...ctx, cache })))
    per.push(`  ${id.padEnd(28)} ${String(d.samples.length).padStart(6)} samples  ${ms(t).padStart(7)}`)
  }
  console.log(`node ${process.version}, ${samples} samples from ${mb.toFixed(1)} MB in ${Object.keys(decls).length} datasets`)
  console.log(`load all, cold (first in process): ${ms(cold)}`)
  console.log(`load all, warm: median ${ms(median(warm))}, min ${ms(Math.min(...warm))} over ${repeats}`)
  console.log(`split + leakage rule (all datasets): median ${ms(median(splitTimes))}`)
  console.log(`dataset keys only (hash every file): ${ms(keys)}`)
  console.log(`per dataset (warm, shared parse cache, in id order):\n${per.join("\n")}`)
}
main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
