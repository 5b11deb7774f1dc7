/**
 * File-system and hashing primitives, one home for each (atomic writes, walks, hashes). Whatever
 * writes results or hashes content goes through here, so durability and hashing are the same
 * everywhere. This module must not know about tasks, stores or datasets.
 */
import { createHash } from "node:crypto"
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs"
import { dirname, join, relative, sep } from "node:path"

/** sha256 of bytes or text (UTF-8), lowercase hex. */
export const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex")

/** sha256 of a file's bytes. */
export const sha256File = (path: string): string => sha256(readFileSync(path))

/** fsync a directory, so a rename or a new entry in it survives a power loss (not on Windows). */
const fsyncDir = (dir: string): void => {
  if (process.platform === "win32") return
  const fd = openSync(dir, "r")
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Write a file atomically and durably: bytes to a temp file beside it, fsync, rename over the
 * target, fsync the folder. A reader (or a restart after a crash) sees the old bytes or the new
 * ones, never a torn file; the temp file is removed when the write fails.
 */
export const writeFileAtomic = (path: string, data: string | Uint8Array | ReadonlyArray<Uint8Array>): void => {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true })
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  try {
    const fd = openSync(tmp, "w")
    try {
      for (const bytes of typeof data === "string" ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data) {
        let off = 0
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off)
      }
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (e) {
    try {
      rmSync(tmp, { force: true })
    } catch {
      // not removable either (a read-only folder): the store's start-up sweep removes `.tmp-` files
    }
    throw e
  }
  fsyncDir(dir)
}

export interface ListOptions {
  /** Folders not to enter, by name. */
  readonly skipDir?: (name: string) => boolean
  /** Files to leave out, by name. */
  readonly skipFile?: (name: string) => boolean
  /** List the folders entered (`dir` itself as ".") instead of the files. */
  readonly folders?: boolean
}

/**
 * Every file under `dir` (recursively), as sorted `/`-separated paths relative to it; none if it
 * does not exist. With `folders`, the folders walked instead (a file added to any of them
 * changes that folder's mtime).
 */
export const listFiles = (dir: string, options: ListOptions = {}): Array<string> => {
  const out: Array<string> = []
  const rel = (p: string) => relative(dir, p).split(sep).join("/") || "."
  const walk = (d: string) => {
    if (options.folders === true) out.push(rel(d))
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name)
      if (ent.isDirectory()) {
        if (!options.skipDir?.(ent.name)) walk(p)
      } else if (options.folders !== true && ent.isFile() && !options.skipFile?.(ent.name)) out.push(rel(p))
    }
  }
  if (existsSync(dir)) walk(dir)
  return out.sort()
}
