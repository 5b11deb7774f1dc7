/**
 * The content-addressed task store (DESIGN.md section 4), under results/.revo/ or --store:
 *
 *   objects/ab/abcdef...      task outputs, named by the sha256 of their bytes
 *   tasks/<key>.json          one record per task: inputs, outputs with hashes, status, timings
 *   work/<key>/               a task's work dir, kept across attempts so plugins can resume
 *   logs/<key>.log            a task's log
 *   lock                      which process runs on this store
 *
 * Every write is atomic (temp file, fsync, rename), so a crash leaves either the old state or
 * the new one. A task counts as done only when its record says so and every output exists
 * with the recorded hash.
 */
import { type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import * as Schema from "effect/Schema"
import { sha256, writeFileAtomic as writeDurably } from "../util/fs.ts"
import { asStorageFailure, guardStorage } from "./storage-failure.ts"


export const TaskRecord = Schema.Struct({
  key: Schema.String,
  kind: Schema.String,
  label: Schema.String,
  /** Each input's content hash, by input name (what the key hashed; `revo plan` names the ones that changed). */
  inputs: Schema.Record(Schema.String, Schema.String),
  /** The parameters hashed into the key, kept so `revo plan` can say which one changed. */
  params: Schema.Unknown,
  /** `mtime` lets a no-op run trust an unchanged file without hashing it again. */
  outputs: Schema.Record(Schema.String, Schema.Struct({ hash: Schema.String, size: Schema.Number, mtime: Schema.optionalKey(Schema.Number) })),
  status: Schema.Literals(["running", "done", "failed"]),
  attempt: Schema.Number,
  started: Schema.String,
  ended: Schema.optionalKey(Schema.String),
  host: Schema.String,
  pid: Schema.Number,
  log: Schema.String,
  error: Schema.optionalKey(Schema.String),
  /** An external job (Slurm id or pid) recorded before waiting on it, so a restart can adopt it. */
  job: Schema.optionalKey(Schema.Struct({ executor: Schema.Literals(["local", "slurm"]), id: Schema.String }))
})
export type TaskRecord = typeof TaskRecord.Type

const decodeRecord = Schema.decodeUnknownSync(TaskRecord)

export { sha256 }

/**
 * Write a file atomically and durably (src/util/fs.ts: temp file, fsync, rename, fsync of the
 * folder; the temp file removed on failure). A write the file system refuses (full disk,
 * read-only) fails with a StorageFailure naming the file.
 */
export const writeFileAtomic = (path: string, data: string | Uint8Array): void => {
  try {
    writeDurably(path, data)
  } catch (e) {
    throw asStorageFailure(e, path)
  }
}

/** What marks revo's temp files and dirs (`<name>.tmp-<pid>-…`), so a later run can sweep them. */
export const TMP_MARK = ".tmp-"
const isLeftover = (name: string) => /\.(tmp|stale)-\d+/.test(name)

/**
 * Remove temp files and dirs that interrupted writes left under `dir` (recursively; `skip`
 * names subfolders left alone). Only safe while holding the store's lock: no live writer then.
 */
export const sweepTemp = (dir: string, skip: ReadonlyArray<string> = []): number => {
  let removed = 0
  const walk = (d: string) => {
    let entries: Array<Dirent>
    try {
      entries = readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const ent of entries) {
      const p = join(d, ent.name)
      if (isLeftover(ent.name)) {
        rmSync(p, { recursive: true, force: true })
        removed++
      } else if (ent.isDirectory() && !skip.includes(p)) walk(p)
    }
  }
  walk(dir)
  return removed
}

export type DoneCheck =
  | { readonly done: true; readonly record: TaskRecord }
  | { readonly done: false; readonly reason: "new" | "failed" | "unfinished" | "damaged"; readonly detail?: string; readonly record?: TaskRecord }

export class Store {
  readonly root: string
  constructor(root: string) {
    this.root = root
    for (const d of ["objects", "tasks", "work", "logs", "labels"]) guardStorage(join(root, d), () => mkdirSync(join(root, d), { recursive: true }), "create")
  }

  /** Sweep what interrupted writes left (hold the lock): plugins' work dirs are theirs, not swept. */
  sweep(): number {
    return sweepTemp(this.root, [join(this.root, "work")])
  }

  objectPath(hash: string): string {
    return join(this.root, "objects", hash.slice(0, 2), hash)
  }
  recordPath(key: string): string {
    return join(this.root, "tasks", `${key}.json`)
  }
  workDir(key: string): string {
    return join(this.root, "work", key)
  }
  logPath(key: string): string {
    return join(this.root, "logs", `${key}.log`)
  }

  /** Store bytes by content; returns their hash. Existing objects are not rewritten. */
  put(data: string | Uint8Array): { hash: string; size: number; mtime: number } {
    const bytes = typeof data === "string" ? Buffer.from(data) : data
    const hash = sha256(bytes)
    const path = this.objectPath(hash)
    if (!existsSync(path) || statSync(path).size !== bytes.length || sha256(readFileSync(path)) !== hash) writeFileAtomic(path, bytes)
    return { hash, size: bytes.length, mtime: statSync(path).mtimeMs }
  }

  get(hash: string): Buffer {
    return readFileSync(this.objectPath(hash))
  }

  getText(hash: string): string {
    return readFileSync(this.objectPath(hash), "utf8")
  }

  readRecord(key: string): TaskRecord | undefined {
    const path = this.recordPath(key)
    if (!existsSync(path)) return undefined
    try {
      return decodeRecord(JSON.parse(readFileSync(path, "utf8")))
    } catch {
      return undefined // a record we cannot read is as good as none: the task runs again
    }
  }

  writeRecord(record: TaskRecord): void {
    writeFileAtomic(this.recordPath(record.key), JSON.stringify(record, null, 1) + "\n")
  }

  /**
   * The key a task label last completed with, so `revo plan` can say what changed since. Labels
   * are scoped (by experiment): several specs may share a store, and each has a `report` task.
   */
  readLabel(scope: string, label: string): string | undefined {
    const path = this.labelPath(scope, label)
    if (!existsSync(path)) return undefined
    try {
      return (JSON.parse(readFileSync(path, "utf8")) as { key: string }).key
    } catch {
      return undefined
    }
  }

  writeLabel(scope: string, label: string, key: string): void {
    if (this.readLabel(scope, label) === key) return
    writeFileAtomic(this.labelPath(scope, label), JSON.stringify({ scope, label, key }) + "\n")
  }

  labelPath(scope: string, label: string): string {
    return join(this.root, "labels", `${sha256(`${scope}\u0000${label}`)}.json`)
  }

  /** Done = the record says so and every output is present with its recorded hash. */
  check(key: string): DoneCheck {
    const record = this.readRecord(key)
    if (!record) return { done: false, reason: "new" }
    if (record.status === "failed") return { done: false, reason: "failed", record, ...(record.error ? { detail: record.error } : {}) }
    if (record.status !== "done") return { done: false, reason: "unfinished", record }
    for (const [name, out] of Object.entries(record.outputs)) {
      const path = this.objectPath(out.hash)
      if (!existsSync(path)) return { done: false, reason: "damaged", detail: `output ${name} is missing`, record }
      // Unchanged since it was recorded (same size and mtime): trusted without rehashing.
      const st = statSync(path)
      if (out.mtime !== undefined && st.mtimeMs === out.mtime && st.size === out.size) continue
      const bytes = readFileSync(path)
      if (bytes.length !== out.size || sha256(bytes) !== out.hash) {
        return { done: false, reason: "damaged", detail: `output ${name} does not match its recorded hash`, record }
      }
    }
    return { done: true, record }
  }
}

export { thisHost } from "./host.ts"
