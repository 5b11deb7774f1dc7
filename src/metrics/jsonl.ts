// Plain (Effect-free) JSON Lines in, scores JSON out, for `revo score`. Kept free of Effect
// so the CLI's start-up stays short; src/cli/score.ts wraps it and types its failures.

import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from "node:fs"
import { dirname, resolve } from "node:path"
import type { Readable, Writable } from "node:stream"
import { ALL_METRICS, CORPUS_EXTRAS, Scorer, type MetricName, type ScoreItem, type ScoreOptions, type ScoreResult } from "./index.ts"

/** A malformed input line; `line` is 1-based. */
export class JsonlLineError extends Error {
  readonly file: string
  readonly line: number
  readonly reason: string
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`)
    this.file = file
    this.line = line
    this.reason = reason
  }
}

const isStringArray = (x: unknown): x is Array<string> => Array.isArray(x) && x.every((s) => typeof s === "string")

/** Decode one JSON Lines record, or say what is wrong with it. */
export function decodeLine(text: string): ScoreItem | string {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    return `invalid JSON (${(e as Error).message})`
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "expected a JSON object"
  const o = v as Record<string, unknown>
  if (typeof o["id"] !== "string") return `expected "id" to be a string`
  if (typeof o["candidate"] !== "string") return `expected "candidate" to be a string`
  if (!isStringArray(o["references"])) return `expected "references" to be an array of strings`
  if (o["references"].length === 0) return `expected "references" to hold at least one reference`
  return { id: o["id"], candidate: o["candidate"], references: o["references"] }
}

/** The input held no item at all: scores of nothing would read as a model that scored 0. */
export class EmptyInputError extends Error {
  readonly file: string
  constructor(file: string) {
    super(`${file}: no items to score (the input is empty)`)
    this.file = file
  }
}

/** Call `each` with the items of a JSON Lines stream, in order; blank lines are skipped
 * (they still count), as is a UTF-8 byte order mark (the data loader accepts one too).
 * An id seen before is an error unless `allowDuplicateIds`: two answers for one item would
 * both count in the corpus score. Synchronous per chunk: no promise per item. */
export async function forEachItem(
  input: Readable,
  name: string,
  each: (item: ScoreItem) => void,
  options: { readonly allowDuplicateIds?: boolean } = {}
): Promise<void> {
  let rest = ""
  let line = 0
  let first = true
  const seen = options.allowDuplicateIds === true ? undefined : new Map<string, number>()
  input.setEncoding("utf8")
  const take = (text: string): void => {
    line++
    if (text.trim() === "") return
    const item = decodeLine(text)
    if (typeof item === "string") throw new JsonlLineError(name, line, item)
    if (seen !== undefined) {
      const earlier = seen.get(item.id)
      if (earlier !== undefined) {
        throw new JsonlLineError(name, line, `duplicate id ${JSON.stringify(item.id)} (first on line ${earlier}); pass --allow-duplicate-ids to score both`)
      }
      seen.set(item.id, line)
    }
    try {
      each(item)
    } catch (e) {
      // A record the metrics cannot judge (a yes_no label that is not yes/no): name its line.
      if (e instanceof RangeError) throw new JsonlLineError(name, line, e.message)
      throw e
    }
  }
  for await (const chunk of input as AsyncIterable<string>) {
    const text = rest + (first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk)
    first = false
    let start = 0
    let nl = text.indexOf("\n")
    while (nl >= 0) {
      take(text.charCodeAt(nl - 1) === 13 && nl > start ? text.slice(start, nl - 1) : text.slice(start, nl))
      start = nl + 1
      nl = text.indexOf("\n", start)
    }
    rest = text.slice(start)
  }
  if (rest !== "") take(rest)
}

/** Stops quietly when the reader of standard output goes away (`revo score | head`): not an error. */
const isClosedPipe = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === "EPIPE"

/** Items of a JSON Lines stream, in order (see forEachItem). */
export async function* readItems(input: Readable, name: string): AsyncGenerator<ScoreItem> {
  const items: Array<ScoreItem> = []
  await forEachItem(input, name, (item) => items.push(item))
  yield* items
}

async function write(out: Writable, s: string): Promise<void> {
  if (out.write(s)) return
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      out.off("error", onError)
      resolve()
    }
    const onError = (e: Error): void => {
      out.off("drain", onDrain)
      reject(e)
    }
    out.once("drain", onDrain)
    out.once("error", onError)
  })
}

/** A number as JSON.stringify writes it (non-finite numbers as null). */
const num = (v: number): string => (Number.isFinite(v) ? String(v) : "null")

/** `{"corpus": {...}, "items": [...]}` with keys in ALL_METRICS order (yes_no's corpus extras
 * after it), one item per line (the text JSON.stringify gives each object, built directly). */
export async function writeResult(out: Writable, result: ScoreResult, metrics: ReadonlyArray<MetricName>): Promise<void> {
  const order = ALL_METRICS.filter((m) => metrics.includes(m))
  const keys = order.map((m) => `,${JSON.stringify(m)}:`)
  const corpus: Record<string, number> = {}
  for (const m of order) {
    corpus[m] = result.corpus[m] as number
    for (const x of CORPUS_EXTRAS[m] ?? []) corpus[x] = result.corpus[x] as number
  }
  let buf = `{"corpus": ${JSON.stringify(corpus)}, "items": [`
  for (let i = 0; i < result.items.length; i++) {
    const it = result.items[i] as ScoreResult["items"][number]
    let line = `{"id":${JSON.stringify(it.id)}`
    for (let k = 0; k < order.length; k++) {
      const v = it[order[k] as MetricName]
      if (v !== undefined) line += (keys[k] as string) + num(v)
    }
    buf += (i === 0 ? "\n" : ",\n") + line + "}"
    if (buf.length > 1 << 16) {
      await write(out, buf)
      buf = ""
    }
  }
  await write(out, buf + (result.items.length > 0 ? "\n" : "") + "]}\n")
}

export interface ScoreFileOptions extends ScoreOptions {
  readonly input: string // path, or "-" for standard input
  readonly metrics: ReadonlyArray<MetricName>
  readonly output?: string // path; standard output when absent; its folder is created
  /** Score every line even when ids repeat (default: a repeated id is an error). */
  readonly allowDuplicateIds?: boolean
  /** Called at each phase boundary (benchmarks): "setup" (WordNet loaded), "read+score",
   * "finish" (CIDEr-D and corpus values), "write". */
  readonly onPhase?: (phase: string) => void
}

/** Read JSON Lines, score, write JSON (atomically when writing a file). */
export async function scoreFile(o: ScoreFileOptions): Promise<ScoreResult> {
  const stdin = o.input === "-"
  const input = stdin ? process.stdin : createReadStream(o.input, { highWaterMark: 1 << 20 })
  // BLEU, ROUGE-L and CIDEr-D on a second thread when CIDEr-D makes it worth starting one
  // (same numbers either way); REVO_SCORE_THREADS=1 keeps to one thread.
  const thread = process.env["REVO_SCORE_THREADS"] !== "1" && o.metrics.includes("cider")
  const opts: ScoreOptions = { thread, ...(o.wordnet !== undefined ? { wordnet: o.wordnet } : {}) }
  const phase = o.onPhase ?? ((): void => undefined)
  const scorer = new Scorer(o.metrics, opts)
  phase("setup")
  let result: ScoreResult
  const name = stdin ? "<stdin>" : o.input
  try {
    let count = 0
    await forEachItem(input, name, (item) => {
      count++
      scorer.add(item)
    }, { allowDuplicateIds: o.allowDuplicateIds === true })
    if (count === 0) throw new EmptyInputError(name)
    phase("read+score")
    result = await scorer.finishAsync()
  } catch (e) {
    scorer.close()
    throw e
  }
  phase("finish")
  if (o.output === undefined) {
    // With the reader gone, later writes fail again: swallow those too, and stop.
    process.stdout.on("error", (e) => {
      if (!isClosedPipe(e)) throw e
    })
    try {
      await writeResult(process.stdout, result, scorer.metrics)
    } catch (e) {
      if (!isClosedPipe(e)) throw e
    }
    phase("write")
    return result
  }
  mkdirSync(dirname(resolve(o.output)), { recursive: true })
  const tmp = `${o.output}.${process.pid}.tmp`
  const out = createWriteStream(tmp)
  // An open error (a folder named like the file, no permission) must reach the caller, not crash.
  const opened = new Promise<void>((ok, fail) => {
    out.once("open", () => ok())
    out.once("error", fail)
  })
  try {
    await opened
    await writeResult(out, result, scorer.metrics)
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
    renameSync(tmp, o.output)
    phase("write")
  } catch (e) {
    out.destroy()
    rmSync(tmp, { force: true })
    throw e
  }
  return result
}

/** What went wrong in scoreFile, as the CLI reports it (the Effect side types it). */
export type ScoreFailure =
  | { readonly _tag: "line"; readonly file: string; readonly line: number; readonly reason: string; readonly message: string }
  | { readonly _tag: "io"; readonly path: string; readonly reason: string; readonly message: string }

export function scoreFailure(e: unknown, o: { readonly input: string; readonly output?: string }): ScoreFailure {
  if (e instanceof JsonlLineError) return { _tag: "line", file: e.file, line: e.line, reason: e.reason, message: `${e.file}:${e.line}: ${e.reason}` }
  if (e instanceof EmptyInputError) return { _tag: "io", path: e.file, reason: "no items to score (the input is empty)", message: e.message }
  const path = o.output ?? o.input
  const reason = (e as Error | undefined)?.message ?? String(e)
  return { _tag: "io", path, reason, message: `${path}: ${reason}` }
}
