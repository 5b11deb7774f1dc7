// Plain (Effect-free) JSON Lines in, scores JSON out, for `revo score`. Kept free of Effect
// so the CLI's start-up stays short; src/cli/score.ts wraps it and types its failures.

import { createReadStream, createWriteStream, renameSync, rmSync } from "node:fs"
import type { Readable, Writable } from "node:stream"
import { ALL_METRICS, Scorer, type MetricName, type ScoreItem, type ScoreOptions, type ScoreResult } from "./index.ts"

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

/** Items of a JSON Lines stream, in order; blank lines are skipped (they still count). */
export async function* readItems(input: Readable, name: string): AsyncGenerator<ScoreItem> {
  let rest = ""
  let line = 0
  input.setEncoding("utf8")
  const take = function* (text: string): Generator<ScoreItem> {
    line++
    if (text.trim() === "") return
    const item = decodeLine(text)
    if (typeof item === "string") throw new JsonlLineError(name, line, item)
    yield item
  }
  for await (const chunk of input as AsyncIterable<string>) {
    const parts = (rest + chunk).split("\n")
    rest = parts.pop() as string
    for (const p of parts) yield* take(p.endsWith("\r") ? p.slice(0, -1) : p)
  }
  if (rest !== "") yield* take(rest)
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

/** `{"corpus": {...}, "items": [...]}` with keys in ALL_METRICS order, one item per line. */
export async function writeResult(out: Writable, result: ScoreResult, metrics: ReadonlyArray<MetricName>): Promise<void> {
  const order = ALL_METRICS.filter((m) => metrics.includes(m))
  const corpus: Record<string, number> = {}
  for (const m of order) corpus[m] = result.corpus[m] as number
  let buf = `{"corpus": ${JSON.stringify(corpus)}, "items": [`
  for (let i = 0; i < result.items.length; i++) {
    const it = result.items[i] as ScoreResult["items"][number]
    const o: Record<string, string | number> = { id: it.id }
    for (const m of order) o[m] = it[m] as number
    buf += (i === 0 ? "\n" : ",\n") + JSON.stringify(o)
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
  readonly output?: string // path; standard output when absent
}

/** Read JSON Lines, score, write JSON (atomically when writing a file). */
export async function scoreFile(o: ScoreFileOptions): Promise<ScoreResult> {
  const stdin = o.input === "-"
  const input = stdin ? process.stdin : createReadStream(o.input)
  const opts: ScoreOptions = { ...(o.wordnet !== undefined ? { wordnet: o.wordnet } : {}) }
  const scorer = new Scorer(o.metrics, opts)
  for await (const item of readItems(input, stdin ? "<stdin>" : o.input)) scorer.add(item)
  const result = scorer.finish()
  if (o.output === undefined) {
    await writeResult(process.stdout, result, scorer.metrics)
    return result
  }
  const tmp = `${o.output}.${process.pid}.tmp`
  const out = createWriteStream(tmp)
  try {
    await writeResult(out, result, scorer.metrics)
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
    renameSync(tmp, o.output)
  } catch (e) {
    out.destroy()
    rmSync(tmp, { force: true })
    throw e
  }
  return result
}
