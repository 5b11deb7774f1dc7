/**
 * A write that the file system refused (full disk, read-only store, no permission), turned
 * from a raw errno stack trace into a sentence: what could not be written, why in plain words,
 * and what the user can do. Callers that know the task add its label (run-graph does).
 * Plain Node (no Effect), so the no-op fast path (src/cli/run-fast.ts) can load it at start-up;
 * the typed Effect side is in storage-effect.ts.
 */

export class StorageFailure extends Error {
  readonly path: string
  readonly code: string
  constructor(path: string, code: string, what = "write") {
    super(`cannot ${what} ${path}: ${reasonOf(code)}. ${adviceOf(code)}`)
    this.name = "StorageFailure"
    this.path = path
    this.code = code
  }
}

const reasonOf = (code: string): string =>
  code === "ENOSPC" ? "no space left on device (ENOSPC)"
  : code === "EDQUOT" ? "disk quota exceeded (EDQUOT)"
  : code === "EROFS" ? "read-only file system (EROFS)"
  : code === "EACCES" || code === "EPERM" ? `permission denied (${code})`
  : code === "EIO" ? "input/output error (EIO)"
  : code

const adviceOf = (code: string): string =>
  code === "ENOSPC" || code === "EDQUOT"
    ? "Free space on that disk (or use --store DIR on a bigger one) and run the same command again: finished tasks are kept"
    : code === "EROFS" || code === "EACCES" || code === "EPERM"
    ? "revo must write there: make it writable (remount read-write, fix its owner or mode) or use --store DIR on a writable disk"
    : "Check that disk (dmesg, df), then run the same command again: finished tasks are kept"

/** Errno codes that mean "the file system refused", as opposed to a bug in revo. */
const STORAGE_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "EMFILE", "ENFILE"])

/** `e` as a StorageFailure about `path` when it is one, else unchanged (to be rethrown). */
export const asStorageFailure = (e: unknown, path: string, what?: string): unknown => {
  if (e instanceof StorageFailure) return e
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return typeof code === "string" && STORAGE_CODES.has(code) ? new StorageFailure(path, code, what) : e
}

/** Run `f`; a refused write becomes a StorageFailure naming `path`. */
export const guardStorage = <A>(path: string, f: () => A, what?: string): A => {
  try {
    return f()
  } catch (e) {
    throw asStorageFailure(e, path, what)
  }
}
