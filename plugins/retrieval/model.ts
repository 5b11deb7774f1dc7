/**
 * The retrieval model on disk (a model dir) and the params it accepts. Shared by the module
 * plugin (index.ts) and the process plugin (cli.ts), so a model built by one is read by the other.
 */
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Schema from "effect/Schema"
import { type Bm25Params, defaultParams, type Index, searcher, type Searcher } from "./bm25.ts"

export const FORMAT = "revo-retrieval-bm25"
export const FORMAT_VERSION = 1

/** Spec params (tune and answer receive the same dict); unknown keys are an error, not silence. */
export const RetrievalParams = Schema.Struct({
  k1: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))),
  b: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  fields: Schema.optionalKey(Schema.NonEmptyArray(Schema.Literals(["instruction", "context", "history"]))),
  /** documents per indexing chunk (progress and, in the process plugin, checkpoints) */
  chunk_size: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** answer by voting among the k nearest training turns (default 1: the nearest) */
  k: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** seed of the tie-breaking order among equally scored training turns (default 0) */
  seed: Schema.optionalKey(Schema.Int)
})

export interface ResolvedParams extends Bm25Params {
  readonly chunkSize: number
  readonly k: number
  readonly seed: number
}

export const resolveParams = (raw: unknown): ResolvedParams => {
  const p = Schema.decodeUnknownSync(RetrievalParams)(raw ?? {}, { onExcessProperty: "error", errors: "all" })
  return {
    k1: p.k1 ?? defaultParams.k1,
    b: p.b ?? defaultParams.b,
    fields: p.fields ?? defaultParams.fields,
    chunkSize: p.chunk_size ?? 5000,
    k: p.k ?? 1,
    seed: p.seed ?? 0
  }
}

const Meta = Schema.Struct({
  format: Schema.Literal(FORMAT),
  formatVersion: Schema.Literal(FORMAT_VERSION),
  params: Schema.Struct({
    k1: Schema.Number,
    b: Schema.Number,
    fields: Schema.Array(Schema.Literals(["instruction", "context", "history"]))
  }),
  nDocs: Schema.Int,
  nPostings: Schema.Int,
  vocab: Schema.Array(Schema.String),
  responses: Schema.Array(Schema.String)
})

const atomicWrite = (path: string, data: string | Uint8Array) => {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, data)
  renameSync(tmp, path)
}

/** model.json (params, vocabulary, responses) + postings.bin (offsets u32, docs u32, weights f32). */
export const writeModel = (dir: string, index: Index): void => {
  mkdirSync(dir, { recursive: true })
  const nTerms = index.vocab.length
  const nPost = index.postingDocs.length
  const buf = new Uint8Array(4 * (nTerms + 1 + 2 * nPost))
  buf.set(new Uint8Array(index.offsets.buffer, index.offsets.byteOffset, index.offsets.byteLength), 0)
  buf.set(new Uint8Array(index.postingDocs.buffer, index.postingDocs.byteOffset, nPost * 4), 4 * (nTerms + 1))
  buf.set(new Uint8Array(index.postingWeights.buffer, index.postingWeights.byteOffset, nPost * 4), 4 * (nTerms + 1 + nPost))
  atomicWrite(join(dir, "postings.bin"), buf)
  const { k1, b, fields } = index.params
  atomicWrite(
    join(dir, "model.json"),
    JSON.stringify({
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      params: { k1, b, fields },
      nDocs: index.responses.length,
      nPostings: nPost,
      vocab: index.vocab,
      responses: index.responses
    })
  )
}

export const readModel = (dir: string): Index => {
  const meta = Schema.decodeUnknownSync(Meta)(JSON.parse(readFileSync(join(dir, "model.json"), "utf8")))
  const raw = readFileSync(join(dir, "postings.bin"))
  const nTerms = meta.vocab.length
  const expected = 4 * (nTerms + 1 + 2 * meta.nPostings)
  if (raw.byteLength !== expected) {
    throw new Error(`postings.bin has ${raw.byteLength} bytes, expected ${expected}`)
  }
  // copy into an aligned buffer: Buffer pool slices need not be 4-byte aligned
  const ab = new ArrayBuffer(raw.byteLength)
  new Uint8Array(ab).set(raw)
  return {
    params: meta.params,
    vocab: meta.vocab,
    offsets: new Uint32Array(ab, 0, nTerms + 1),
    postingDocs: new Uint32Array(ab, 4 * (nTerms + 1), meta.nPostings),
    postingWeights: new Float32Array(ab, 4 * (nTerms + 1 + meta.nPostings), meta.nPostings),
    responses: meta.responses
  }
}

// Model dirs are content-addressed by the store (never rewritten), so a loaded searcher can be
// reused for every answer task on the same model. Bounded, oldest evicted first.
const CACHE_MAX = 16
const cache = new Map<string, Searcher>()

export const loadSearcher = (dir: string): Searcher => {
  const real = realpathSync(dir)
  // the mtime guards against a dir reused for a different model (tests, a retried tune)
  const key = `${real}\0${statSync(join(real, "model.json")).mtimeMs}`
  const hit = cache.get(key)
  if (hit !== undefined) {
    cache.delete(key)
    cache.set(key, hit)
    return hit
  }
  const s = searcher(readModel(real))
  cache.set(key, s)
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!)
  return s
}
