/**
 * `retrieval`, the built-in module plugin (CPU default): tune indexes the tune set with BM25,
 * answer returns the response of the best-matching training turn.
 */
import * as Effect from "effect/Effect"
import { type ModulePlugin, Manifest, PluginFailure, type PluginProgress } from "../../src/backends/contract.ts"
import type { Item, Sample } from "../../src/data/sample.ts"
import { buildIndex, docsOf, queryText, tokenize } from "./bm25.ts"
import { loadSearcher, resolveParams, writeModel } from "./model.ts"
import processManifest from "./revo-plugin.json" with { type: "json" }

/** Same name and version as the process variant: one backend, two ways to call it. */
export const manifest = new Manifest({
  name: processManifest.name,
  version: processManifest.version,
  kind: "module",
  description: processManifest.description,
  capabilities: ["tune", "answer"],
  resources: { cpus: 1, gpus: 0 },
  // what it sees, whether it is a demo and its params schema: one declaration, in revo-plugin.json
  inputs: processManifest.inputs as ReadonlyArray<"text" | "image">,
  demo: processManifest.demo,
  params: processManifest.params
})

const fail = (what: string) => (e: unknown) =>
  new PluginFailure({ message: `${what}: ${e instanceof Error ? e.message : String(e)}` })

/** Pure tune, chunked so callers can report progress; returns the index. */
export const tokenizeChunks = function*(texts: ReadonlyArray<string>, chunkSize: number) {
  for (let start = 0; start < texts.length; start += chunkSize) {
    yield texts.slice(start, start + chunkSize).map(tokenize)
  }
}

const tune: ModulePlugin["tune"] = ({ tuneSet, params, outDir, onProgress }) =>
  Effect.gen(function*() {
    const p = yield* Effect.try({ try: () => resolveParams(params), catch: fail("bad params") })
    if (tuneSet.samples.length === 0) {
      return yield* new PluginFailure({ message: `tune set "${tuneSet.id}" is empty` })
    }
    const docs = docsOf(tuneSet.samples, p.fields)
    const texts = docs.map((d) => d.text)
    const tokens: Array<Array<string>> = []
    for (const chunk of tokenizeChunks(texts, p.chunkSize)) {
      tokens.push(...chunk)
      yield* onProgress({ done: tokens.length, total: docs.length, message: "indexing" })
    }
    const index = buildIndex(tokens, docs.map((d) => d.response), p)
    yield* Effect.try({ try: () => writeModel(outDir, index), catch: fail(`cannot write model to ${outDir}`) })
  })

/** Answers in chunks (progress between them); pure apart from loading the model. */
export const answerItems = (
  modelDir: string,
  items: ReadonlyArray<Item>,
  params: unknown,
  onChunk: (p: PluginProgress) => Effect.Effect<void>
): Effect.Effect<Map<string, string>, PluginFailure> =>
  Effect.gen(function*() {
    const p = yield* Effect.try({ try: () => resolveParams(params), catch: fail("bad params") })
    const s = yield* Effect.try({ try: () => loadSearcher(modelDir), catch: fail(`cannot read model ${modelDir}`) })
    // The query uses the fields the index was built over, so tune and answer always agree.
    const fields = s.index.params.fields
    const out = new Map<string, string>()
    for (let start = 0; start < items.length; start += p.chunkSize) {
      const end = Math.min(items.length, start + p.chunkSize)
      for (let i = start; i < end; i++) {
        const it = items[i]!
        out.set(it.id, s.answer(tokenize(queryText(it, fields)), p.k, p.seed))
      }
      yield* onChunk({ done: end, total: items.length, message: "answering" })
    }
    return out
  })

const answer: ModulePlugin["answer"] = ({ modelDir, items, params, onProgress }) =>
  answerItems(modelDir, items, params, onProgress)

export const plugin: ModulePlugin = { manifest, tune, answer }

/** Convenience for benches and tests: tune in memory without a model dir. */
export const indexOf = (samples: ReadonlyArray<Sample>, params: unknown = {}) => {
  const p = resolveParams(params)
  const docs = docsOf(samples, p.fields)
  return buildIndex(docs.map((d) => tokenize(d.text)), docs.map((d) => d.response), p)
}
