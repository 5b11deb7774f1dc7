/**
 * The proof that a `revo run` would do nothing: written by a run that ended with every task done
 * or cached and the report in place, read by the next run of the same command line before
 * anything heavy loads (src/cli/run-fast.ts). When every file the proof names is unchanged, the
 * full path would compute the same task keys, find every record done with its outputs intact,
 * and leave the results folder as it is; the fast path then prints the same summary and writes
 * the same journal without loading the CLI framework, the spec parser or the data check.
 *
 * What it names, and why that is enough for "the full path would do nothing":
 * - the command line (cwd, spec path, --set, --data-root, --store), the Node and revo versions,
 *   revo's folder and the environment variables the spec interpolates: the key and `env` below;
 * - the spec file and every dataset file the spec declares: what the dataset keys hash;
 * - every file under src/ and the plugin's folder, bin/revo.js, package.json,
 *   package-lock.json and each dependency's installed package.json: the code whose versions are
 *   in the task keys (a superset of each step's import closure, with its packages' versions, and
 *   of the plugin's code hash); the plugin's folders too, since a file
 *   added there changes its code hash, and for a plugin found by name, plugins/ and its
 *   subfolders and manifests, since another plugin could take that name;
 * - every task record, label file and output object in the store, and every file of the
 *   results folder: what Store.check, the label index and writeResults look at.
 * A file counts as unchanged when its size, mtime, ctime and inode are those recorded (ctime
 * cannot be set back by touch, cp -p or rsync; a replaced file has a new inode); otherwise, or
 * when it was modified within RACY_NS of the proof (coarse file-system clocks could hide a
 * second write), its bytes are hashed and compared. An object passes exactly when Store.check
 * would pass it, or stricter. Anything else missing, unreadable or different: not proven, and
 * the full path runs (and writes a new proof).
 *
 * Plain Node only (no Effect, no yaml): this module is on the start-up path. It must not decide
 * what a run does; it only says whether nothing changed.
 */
import { mkdirSync, readFileSync, rmSync, statSync, type BigIntStats } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { sha256, writeFileAtomic } from "../util/fs.ts"

export const PROOF_FORMAT = 1

/** Files modified this close (ns) to the proof's writing are hashed, not trusted by their stat. */
export const RACY_NS = 2_000_000_000n

/** What identifies one command line's run: the proof's file name in the store. */
export interface ProofKeyInput {
  readonly cwd: string
  /** The spec file, absolute. */
  readonly spec: string
  readonly set: ReadonlyArray<string>
  readonly dataRoot: string | undefined
  /** The store, absolute. */
  readonly store: string
}

/** This checkout of revo (its folder) and its version: a store shared by two checkouts keeps their proofs apart. */
const revoRoot = fileURLToPath(new URL("../../", import.meta.url))
const revoVersion = (): string => (JSON.parse(readFileSync(join(revoRoot, "package.json"), "utf8")) as { version: string }).version

export const proofKey = (k: ProofKeyInput): string =>
  sha256(JSON.stringify([PROOF_FORMAT, revoRoot, revoVersion(), process.version, k.cwd, k.spec, k.set, k.dataRoot ?? null, k.store]))

export const proofPath = (store: string, key: string): string => join(store, "noop", `${key}.json`)

/**
 * A file as it was when the proof was written. Timestamps in ns, as decimal strings. `sha256`
 * is null for a file last changed well before the proof (its stat alone proves it unchanged,
 * and a different stat counts as a change); it is known for a store object (its name), a
 * result file (the object it copies) and any file changed within RACY_NS of the proof.
 */
export interface FileEntry {
  readonly path: string
  /** A folder: proves only that no entry was added, removed or renamed in it (its mtime and ctime). */
  readonly folder?: true
  readonly size: number
  readonly mtime: string
  readonly ctime: string
  readonly ino: string
  readonly sha256: string | null
}

export interface RerunProof {
  readonly format: number
  readonly key: string
  /** When it was written (ns since the epoch, decimal). */
  readonly written: string
  /** The spec's `${VAR}` names and their values then (null: unset). */
  readonly env: Readonly<Record<string, string | null>>
  /** Inputs (spec, data, code) and outputs (store, results), all checked the same way. */
  readonly files: ReadonlyArray<FileEntry>
  /** Task labels and keys in the order the run finished them: the journal's `cached` lines. */
  readonly tasks: ReadonlyArray<readonly [string, string]>
  /** What a normal run prints before its summary (the loads' warnings). */
  readonly warnings: ReadonlyArray<string>
  readonly specFile: string
  readonly specHash: string
  readonly resultsDir: string
}

/** `${VAR}` names a spec's text may interpolate (a superset: comments count too). */
export const specEnvNames = (text: string): Array<string> =>
  [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))].sort()

const statOf = (path: string): BigIntStats | undefined => {
  try {
    return statSync(path, { bigint: true })
  } catch {
    return undefined
  }
}

/** Nanoseconds since the epoch, as file timestamps count them. */
export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n

/** Changed within RACY_NS before `ns` (or after it): its stat cannot prove it unchanged later. */
export const isRacy = (e: Pick<FileEntry, "mtime" | "ctime">, ns: bigint): boolean => BigInt(e.mtime) >= ns - RACY_NS || BigInt(e.ctime) >= ns - RACY_NS

/**
 * A file's entry for a proof written at `written`; `hash` when the caller knows its sha256 (a
 * store object is named by it). Otherwise the bytes are hashed only when the file is racy.
 */
export const fileEntry = (path: string, written: bigint, hash?: string): FileEntry => {
  const st = statSync(path, { bigint: true })
  if (!st.isFile()) throw new Error(`${path} is not a regular file`)
  const stat = { path, size: Number(st.size), mtime: String(st.mtimeNs), ctime: String(st.ctimeNs), ino: String(st.ino) }
  return { ...stat, sha256: hash ?? (isRacy(stat, written) ? sha256(readFileSync(path)) : null) }
}

/** A folder's entry: a file added to it, removed or renamed changes its mtime and ctime. */
export const folderEntry = (path: string): FileEntry => {
  const st = statSync(path, { bigint: true })
  if (!st.isDirectory()) throw new Error(`${path} is not a folder`)
  return { path, folder: true, size: 0, mtime: String(st.mtimeNs), ctime: String(st.ctimeNs), ino: String(st.ino), sha256: null }
}

export type ProofCheck =
  | { readonly ok: true; /** some files were verified by hashing: a proof with their new stats would be faster */ readonly rehashed: boolean }
  | { readonly ok: false; readonly why: string }

/** Is every file as the proof recorded it, and the environment the same? */
export const checkFiles = (proof: RerunProof, env: Readonly<Record<string, string | undefined>>): ProofCheck => {
  for (const [name, value] of Object.entries(proof.env)) {
    if ((env[name] ?? null) !== value) return { ok: false, why: `environment variable ${name} changed` }
  }
  const written = BigInt(proof.written)
  let rehashed = false
  for (const f of proof.files) {
    const st = statOf(f.path)
    if (f.folder === true) {
      if (st === undefined || !st.isDirectory()) return { ok: false, why: `${f.path} is gone` }
      const same = String(st.mtimeNs) === f.mtime && String(st.ctimeNs) === f.ctime && String(st.ino) === f.ino
      if (same && !isRacy(f, written)) continue
      return { ok: false, why: `${f.path} changed (a file added, removed or renamed)` }
    }
    if (st === undefined || !st.isFile()) return { ok: false, why: `${f.path} is gone` }
    if (Number(st.size) !== f.size) return { ok: false, why: `${f.path} changed size` }
    const same = String(st.mtimeNs) === f.mtime && String(st.ctimeNs) === f.ctime && String(st.ino) === f.ino
    if (same && !isRacy(f, written)) continue
    if (f.sha256 === null) return { ok: false, why: `${f.path} changed` }
    let bytes: Buffer
    try {
      bytes = readFileSync(f.path)
    } catch {
      return { ok: false, why: `${f.path} is unreadable` }
    }
    if (sha256(bytes) !== f.sha256) return { ok: false, why: `${f.path} changed` }
    rehashed = true
  }
  return { ok: true, rehashed }
}

/** The proof at `path`, or undefined when there is none or it is not one this version wrote. */
export const readProof = (path: string, key: string): RerunProof | undefined => {
  try {
    const p = JSON.parse(readFileSync(path, "utf8")) as RerunProof
    return p.format === PROOF_FORMAT && p.key === key && Array.isArray(p.files) && Array.isArray(p.tasks) ? p : undefined
  } catch {
    return undefined
  }
}

/** Write a proof whose entries were taken at `written` (nowNs() before the first of them). */
export const writeProof = (path: string, written: bigint, proof: Omit<RerunProof, "format" | "written">): void => {
  mkdirSync(join(path, ".."), { recursive: true })
  const full: RerunProof = { format: PROOF_FORMAT, written: String(written), ...proof }
  writeFileAtomic(path, JSON.stringify(full) + "\n")
}

/**
 * The proof again after a check that had to hash some files (touched, or racy then): those get
 * their current stat, so the next check trusts them by it. Only files just verified by their
 * bytes are re-stated (one changed since has a racy stat now, so it is hashed next time); the
 * others keep the entries that proved them.
 */
export const restatProof = (path: string, proof: RerunProof): void => {
  const written = nowNs()
  const files = proof.files.map((f) => {
    if (f.sha256 === null) return f
    const again = fileEntry(f.path, written, f.sha256)
    return again.mtime === f.mtime && again.ctime === f.ctime && again.ino === f.ino && !isRacy(f, BigInt(proof.written)) ? f : again
  })
  writeProof(path, written, { ...proof, files })
}

/** A run that may change the store removes the proof first: if it dies, nothing claims "no-op". */
export const removeProof = (path: string): void => rmSync(path, { force: true })
