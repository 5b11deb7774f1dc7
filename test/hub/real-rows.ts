/**
 * REVO-LION-shaped rows built from the real files in ../shared/data, read by the product's own
 * loader as the quickstart declares them (LLaVA-Instruct multi-turn conversations, OK-VQA questions
 * with their 10 answers) and turned into rows by the product's sampleRow. SQ values are a
 * deterministic hash of the id mapped onto full-precision doubles, so exact float round trips are
 * exercised.
 */
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import { loadDataset } from "../../src/data/load.ts"
import type { Sample } from "../../src/data/sample.ts"
import { sampleRow, type SampleRow, type SqRow } from "../../src/hub/parquet.ts"
import { loadSpec } from "../../src/spec/load.ts"

/** A double in [0, 2) from a string, with all 52 mantissa bits in use. */
export const hashDouble = (s: string): number => createHash("sha256").update(s).digest().readUInt32BE(0) / 2 ** 31 + 1 / 3

const quickstart = await Effect.runPromise(loadSpec(fileURLToPath(new URL("../../experiments/quickstart.yaml", import.meta.url))))
const samplesOf = async (id: string): Promise<ReadonlyArray<Sample>> =>
  (await Effect.runPromise(loadDataset(id, quickstart.spec.datasets[id]!, { dataRoot: quickstart.dataRoot }))).samples
const llava = await samplesOf("llava-instruct-100")
const okvqa = await samplesOf("okvqa-val")

export const llavaRows = (): Array<SampleRow> => llava.map((s) => sampleRow(s, hashDouble(`llava/${s.id}`)))

export const okvqaRows = (n: number): Array<SampleRow> => okvqa.slice(0, n).map((s) => sampleRow(s, hashDouble(`okvqa/${s.id}`)))

export const sqRowsFor = (rows: ReadonlyArray<SampleRow>, models: ReadonlyArray<string>): Array<SqRow> =>
  rows.map((r) => {
    const per_model = models.filter((m) => m !== r.dataset).map((model) => ({ model, value: hashDouble(`${model}/${r.id}`) }))
    return { id: r.id, dataset: r.dataset, sample_key: r.sample_key, sq: per_model.reduce((a, p) => a + p.value, 0) / Math.max(1, per_model.length), per_model }
  })
