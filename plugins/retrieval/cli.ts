/**
 * `retrieval` as a process plugin: the same BM25 backend as index.ts, spoken to through the
 * process contract (plugins/README.md). Tune checkpoints each chunk of tokenized documents and
 * resumes from them when restarted in the same work dir.
 *   node cli.ts [request.json]      (default: $REVO_REQUEST)
 * Test hook: REVO_TEST_CRASH_AFTER=N exits 1 right after checkpointing chunk N.
 */
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type { Item, Sample } from "../../src/data/sample.ts"
import { buildIndex, docsOf, tokenize } from "./bm25.ts"
import { answerItems } from "./index.ts"
import { resolveParams, writeModel } from "./model.ts"

interface Request {
  readonly op: "tune" | "answer"
  readonly params: Record<string, unknown>
  readonly checkpointDir: string
  readonly inputs: { readonly tuneSet?: string; readonly items?: string; readonly modelDir?: string }
  readonly outputs: { readonly modelDir?: string; readonly predictions?: string }
}

const emit = (event: Record<string, unknown>) => process.stdout.write(JSON.stringify(event) + "\n")
const log = (level: "debug" | "info" | "warn" | "error", message: string) => emit({ event: "log", level, message })

const atomicWrite = (path: string, data: string) => {
  writeFileSync(`${path}.tmp`, data)
  renameSync(`${path}.tmp`, path)
}

const readJsonl = <A>(path: string): Array<A> =>
  readFileSync(path, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as A)

const chunkFile = (dir: string, c: number) => join(dir, `chunk-${String(c).padStart(6, "0")}.json`)

const tune = (req: Request) => {
  const p = resolveParams(req.params)
  const tunePath = req.inputs.tuneSet!
  const outDir = req.outputs.modelDir!
  const samples = readJsonl<Sample>(tunePath)
  if (samples.length === 0) throw new Error("the tune set is empty")
  const docs = docsOf(samples, p.fields)
  const nChunks = Math.ceil(docs.length / p.chunkSize)

  // Checkpoints belong to one (tune set, params) pair; anything else in the dir is stale.
  const ckpt = req.checkpointDir
  const fingerprint = createHash("sha256").update(readFileSync(tunePath)).update(JSON.stringify(p)).digest("hex")
  const statePath = join(ckpt, "state.json")
  let resumed = 0
  const tokens: Array<Array<string>> = []
  if (existsSync(statePath) && JSON.parse(readFileSync(statePath, "utf8")).fingerprint === fingerprint) {
    while (resumed < nChunks && existsSync(chunkFile(ckpt, resumed))) {
      tokens.push(...(JSON.parse(readFileSync(chunkFile(ckpt, resumed), "utf8")) as Array<Array<string>>))
      resumed++
    }
    if (resumed > 0) log("info", `resumed from checkpoint: chunk ${resumed} of ${nChunks} (${tokens.length} documents)`)
  } else {
    rmSync(ckpt, { recursive: true, force: true })
    mkdirSync(ckpt, { recursive: true })
    atomicWrite(statePath, JSON.stringify({ fingerprint }))
  }
  const crashAfter = Number(process.env["REVO_TEST_CRASH_AFTER"] ?? "0")
  for (let c = resumed; c < nChunks; c++) {
    const chunk = docs.slice(c * p.chunkSize, (c + 1) * p.chunkSize).map((d) => tokenize(d.text))
    tokens.push(...chunk)
    const file = chunkFile(ckpt, c)
    atomicWrite(file, JSON.stringify(chunk))
    emit({ event: "checkpoint", step: c + 1, path: file })
    emit({ event: "progress", done: tokens.length, total: docs.length, message: `indexed chunk ${c + 1}/${nChunks}` })
    if (crashAfter > 0 && c + 1 === crashAfter) {
      process.stderr.write(`REVO_TEST_CRASH_AFTER=${crashAfter}: crashing on purpose after chunk ${c + 1}\n`)
      process.exit(1)
    }
  }
  const index = buildIndex(tokens, docs.map((d) => d.response), p)
  writeModel(outDir, index)
  emit({ event: "result", documents: docs.length, terms: index.vocab.length, chunks: nChunks, resumedFromChunk: resumed })
}

const answer = (req: Request) => {
  const items = readJsonl<Item>(req.inputs.items!)
  const preds = Effect.runSync(
    answerItems(req.inputs.modelDir!, items, req.params, (pr) =>
      Effect.sync(() => emit({ event: "progress", done: pr.done, total: pr.total, message: "answering" })))
  )
  let out = ""
  for (const it of items) out += JSON.stringify({ id: it.id, prediction: preds.get(it.id) ?? "" }) + "\n"
  atomicWrite(req.outputs.predictions!, out)
  emit({ event: "result", predictions: items.length })
}

const main = () => {
  const path = process.argv[2] ?? process.env["REVO_REQUEST"] ?? "request.json"
  let req: Request
  try {
    req = JSON.parse(readFileSync(path, "utf8")) as Request
    resolveParams(req.params)
  } catch (e) {
    process.stderr.write(`retrieval: bad request ${path}: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(2)
  }
  if (req.op === "tune") tune(req)
  else if (req.op === "answer") answer(req)
  else {
    process.stderr.write(`retrieval: unknown op ${String(req.op)}\n`)
    process.exit(2)
  }
}

try {
  main()
} catch (e) {
  process.stderr.write(`retrieval: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
}
