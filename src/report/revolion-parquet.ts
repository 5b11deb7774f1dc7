/** REVO-LION's train and eval samples, and every train sample's SQ, as Parquet bytes. */
import { type Sample, sourceId } from "../data/sample.ts"
import { encodeSampleRows, encodeSqRows, sampleKey, sampleRow } from "../hub/parquet.ts"
import type { SqFile } from "../quality/outputs.ts"

export const revolionParquet = (train: ReadonlyArray<Sample>, evalSet: ReadonlyArray<Sample>, sq: SqFile) => {
  const sqOf = (part: "train" | "eval") => {
    const m = new Map<string, number>()
    for (const [d, parts] of Object.entries(sq)) for (const r of parts[part]) m.set(`${d}\u0000${r.id}`, r.sq)
    return m
  }
  const trainSq = sqOf("train")
  const evalSq = sqOf("eval")
  // Mixed-set samples carry `<dataset>/<id>`; the rows name the source id and dataset apart.
  const rows = (samples: ReadonlyArray<Sample>, m: Map<string, number>) =>
    samples.map((s) => {
      const id = sourceId(s)
      return sampleRow({ ...s, id }, m.get(`${s.dataset}\u0000${id}`) ?? 0)
    })
  const sqRows = Object.keys(sq).sort().flatMap((d) =>
    sq[d]!.train.map((r) => ({
      id: r.id, dataset: d, sample_key: sampleKey(d, r.id), sq: r.sq,
      per_model: Object.keys(r.per_model).sort().map((model) => ({ model, value: r.per_model[model]! }))
    }))
  )
  return { train: encodeSampleRows(rows(train, trainSq)), eval: encodeSampleRows(rows(evalSet, evalSq)), sq: encodeSqRows(sqRows) }
}
