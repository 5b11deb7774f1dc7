/**
 * The quickstart's cross-evaluation on the `retrieval` module plugin, on real data:
 * 10 datasets split 80/20; one model per train split plus the union; every per-dataset model
 * answers every other dataset's train split (SQ) and every eval split (MQ); the union answers
 * every eval split. Reports CPU time (user + system) per phase.
 *   node bench/backends/retrieval.bench.ts [dataRoot]
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { type Item, itemsOf, type Sample } from "../../src/data/sample.ts"
import { plugin } from "../../plugins/retrieval/index.ts"
import { defaultDataRoot, loadRealDatasets, split } from "../../test/backends/support/real-samples.ts"

const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
const noProgress = () => Effect.void

const root = process.argv[2] ?? defaultDataRoot
const dir = mkdtempSync(join(tmpdir(), "revo-bench-retrieval-"))
const t0 = cpu()
const w0 = performance.now()
const datasets = (await loadRealDatasets(root)).map((d) => ({ id: d.id, ...split(d) }))
const tLoad = cpu() - t0

const run = async () => {
  const tuneSets: Array<{ id: string; samples: ReadonlyArray<Sample> }> = datasets.map((d) => ({ id: d.id, samples: d.train }))
  tuneSets.push({ id: "union", samples: datasets.flatMap((d) => d.train) })
  const c1 = cpu()
  for (const ts of tuneSets) {
    await Effect.runPromise(plugin.tune({ tuneSet: ts, params: {}, outDir: join(dir, ts.id), onProgress: noProgress }))
  }
  const tTune = cpu() - c1
  // one answer call per (model, dataset) pair, as the runtime issues them (item ids are unique per dataset)
  const trainItems = new Map(datasets.map((d) => [d.id, d.train.flatMap(itemsOf)]))
  const evalItems = new Map(datasets.map((d) => [d.id, d.eval.flatMap(itemsOf)]))
  let queries = 0
  let calls = 0
  const c2 = cpu()
  for (const ts of tuneSets) {
    for (const d of datasets) {
      const items: Array<Item> = [...evalItems.get(d.id)!]
      if (ts.id !== "union" && ts.id !== d.id) items.push(...trainItems.get(d.id)!)
      const preds = await Effect.runPromise(
        plugin.answer({ modelDir: join(dir, ts.id), items, params: {}, onProgress: noProgress })
      )
      if (preds.size !== items.length) throw new Error(`expected ${items.length} predictions, got ${preds.size}`)
      queries += items.length
      calls++
    }
  }
  const tAnswer = cpu() - c2
  const nTrain = datasets.reduce((a, d) => a + d.train.length, 0)
  const nEval = datasets.reduce((a, d) => a + d.eval.length, 0)
  console.log(JSON.stringify({
    datasets: datasets.length,
    trainSamples: nTrain,
    evalSamples: nEval,
    models: tuneSets.length,
    queries,
    answerCalls: calls,
    cpuSeconds: {
      loadAndSplit: +tLoad.toFixed(2),
      tune: +tTune.toFixed(2),
      answer: +tAnswer.toFixed(2),
      tuneAndAnswer: +(tTune + tAnswer).toFixed(2)
    },
    microsecondsPerQuery: +((tAnswer / queries) * 1e6).toFixed(1),
    wallSeconds: +((performance.now() - w0) / 1000).toFixed(2)
  }, null, 2))
}
await run().finally(() => rmSync(dir, { recursive: true, force: true }))
