/**
 * Real samples from ../shared/data for backend tests and benches: every dataset of the quickstart
 * (but its 500-image coco-mini subset), read by the product's own loader as experiments/quickstart.yaml
 * declares it, so the backends are tested on exactly the samples a run hands them.
 */
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import { loadDatasets } from "../../../src/data/load.ts"
import type { Sample } from "../../../src/data/sample.ts"
import { loadSpec } from "../../../src/spec/load.ts"

export const defaultDataRoot = fileURLToPath(new URL("../../../../shared/data", import.meta.url))
const quickstartSpec = fileURLToPath(new URL("../../../experiments/quickstart.yaml", import.meta.url))

export interface RealDataset {
  readonly id: string
  readonly samples: ReadonlyArray<Sample>
}

/** About 20k samples over 10 datasets (ids as in the quickstart), every file read as it is in ../shared/data. */
export const loadRealDatasets = async (root: string = defaultDataRoot): Promise<Array<RealDataset>> => {
  const loaded = await Effect.runPromise(loadSpec(quickstartSpec, { dataRoot: root }))
  const decls = Object.fromEntries(Object.entries(loaded.spec.datasets).filter(([id]) => id !== "coco-mini"))
  const datasets = await Effect.runPromise(loadDatasets(decls, { dataRoot: loaded.dataRoot }))
  return Object.keys(datasets).sort().map((id) => ({ id, samples: datasets[id]!.samples }))
}

/** Deterministic split as DESIGN.md describes (seeded hash of dataset id and sample id). */
export const split = (d: RealDataset, evalFraction = 0.2, seed = "revo") => {
  const train: Array<Sample> = []
  const evalSet: Array<Sample> = []
  for (const s of d.samples) {
    const h = createHash("sha256").update(`${seed}\0${d.id}\0${s.id}`).digest().readUInt32BE(0) / 2 ** 32
    ;(h < evalFraction ? evalSet : train).push(s)
  }
  return { train, eval: evalSet }
}
