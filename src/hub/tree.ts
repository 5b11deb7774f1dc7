/**
 * The exact file tree of a published REVO-LION repo, built in memory so that
 * `revo publish --dry-run DIR` and a real publish commit the very same bytes:
 *
 *   data/train-0000K-of-0000N.parquet   rows sorted by (dataset, id); each shard holds one
 *   data/eval-0000K-of-0000N.parquet    source only, so per-source configs can list its files
 *   sq/sq-0000K-of-0000N.parquet
 *   revo/spec.yaml                      the spec, verbatim (when the card has it), to reproduce the set
 *   .gitattributes                      LFS for *.parquet, so the folder can also be pushed with git
 *   README.md                           the dataset card
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import * as Effect from "effect/Effect"
import { NEAR_ZERO, renderCard, SPEC_PATH, type CardInput, type CardLayout, type SourceRowFacts, type SplitFiles } from "./card.ts"
import { HubIoError, errorText } from "./errors.ts"
import { DEFAULT_MAX_SHARD_BYTES, encodeSampleRows, encodeSqRows, shardName, shardRows, type SampleRow, type SqRow } from "./parquet.ts"

export interface TreeFile {
  /** repo path, `/`-separated */
  readonly path: string
  readonly bytes: Uint8Array
}

export interface RepoTreeInput {
  readonly train: ReadonlyArray<SampleRow>
  readonly eval: ReadonlyArray<SampleRow>
  readonly sq: ReadonlyArray<SqRow>
  readonly card: CardInput
  /** per Parquet file; default 256 MiB */
  readonly maxShardBytes?: number
}

/** The folders publish owns: stale Parquet files in them are deleted so the repo equals the tree. */
export const MANAGED_DIRS = ["data/", "sq/"] as const

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const byDatasetId = <R extends { readonly dataset: string; readonly id: string }>(rows: ReadonlyArray<R>): Array<R> =>
  [...rows].sort((a, b) => byCodeUnit(a.dataset, b.dataset) || byCodeUnit(a.id, b.id))

interface SplitTree {
  readonly files: Array<TreeFile>
  readonly all: SplitFiles
  readonly perSource: Map<string, SplitFiles>
}

/** Shard one split source by source; number the shards across the whole split. */
const shardSplit = (split: string, rows: ReadonlyArray<SampleRow>, maxBytes: number): SplitTree => {
  const groups = new Map<string, Array<SampleRow>>()
  for (const r of byDatasetId(rows)) {
    const g = groups.get(r.dataset) ?? []
    g.push(r)
    groups.set(r.dataset, g)
  }
  const shards = [...groups].flatMap(([dataset, g]) => shardRows(g, maxBytes, encodeSampleRows).map((s) => ({ dataset, ...s })))
  const perSource = new Map<string, { files: Array<string>; rows: number; bytes: number }>()
  const files = shards.map((s, i) => {
    const path = `data/${shardName(split, i, shards.length)}`
    const entry = perSource.get(s.dataset) ?? { files: [], rows: 0, bytes: 0 }
    entry.files.push(path)
    entry.rows += s.rows.length
    entry.bytes += s.bytes.length
    perSource.set(s.dataset, entry)
    return { path, bytes: s.bytes }
  })
  return {
    files,
    all: { files: files.map((f) => f.path), rows: rows.length, bytes: files.reduce((n, f) => n + f.bytes.length, 0) },
    perSource
  }
}

const EMPTY: SplitFiles = { files: [], rows: 0, bytes: 0 }

/** Git LFS for the Parquet shards (what the Hub itself does for them), so `git push` of a dry-run folder works too. */
export const GITATTRIBUTES = "# Parquet shards go through Git LFS, as on the Hub\n*.parquet filter=lfs diff=lfs merge=lfs -text\n"

/** Per source: image forms and ids of the published rows, and how many train samples SQ had no signal for. */
export const rowFacts = (rows: ReadonlyArray<SampleRow>, sq: ReadonlyArray<SqRow>): Record<string, SourceRowFacts> => {
  const acc = new Map<string, { rows: number; withImageId: number; images: Set<string>; examples: Array<{ image: string | null; image_id: string | null }>; values: Set<string>; scored: number; sqNearZero: number; nearZero: number }>()
  const get = (d: string) => {
    let a = acc.get(d)
    if (!a) acc.set(d, (a = { rows: 0, withImageId: 0, images: new Set(), examples: [], values: new Set(), scored: 0, sqNearZero: 0, nearZero: 0 }))
    return a
  }
  for (const r of byDatasetId(rows)) {
    const a = get(r.dataset)
    a.rows++
    if (r.image_id !== null) {
      a.withImageId++
      a.images.add(r.image_id)
    }
    if (a.examples.length < 2 && (r.image !== null || r.image_id !== null)) a.examples.push({ image: r.image, image_id: r.image_id })
    if (r.image !== null) for (const m of r.image.matchAll(/(train|val|test)(2014|2017)/g)) a.values.add(m[0])
  }
  for (const r of sq) {
    const a = get(r.dataset)
    a.scored++
    if (Math.abs(r.sq) < NEAR_ZERO) a.sqNearZero++
    if (r.per_model.every((p) => p.value < NEAR_ZERO)) a.nearZero++
  }
  return Object.fromEntries([...acc].sort(([a], [b]) => byCodeUnit(a, b)).map(([d, a]) => [d, {
    rows: a.rows, withImageId: a.withImageId, distinctImages: a.images.size, examples: a.examples,
    imageValues: [...a.values].sort(byCodeUnit), scored: a.scored, sqNearZero: a.sqNearZero, nearZero: a.nearZero
  }]))
}

/** Every file of the repo, in order: train shards, eval shards, SQ shards, revo/spec.yaml, .gitattributes, README.md. */
export const buildRepoTree = (input: RepoTreeInput): Array<TreeFile> => {
  const maxBytes = input.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES
  const train = shardSplit("train", input.train, maxBytes)
  const evalSplit = shardSplit("eval", input.eval, maxBytes)
  const sqShards = shardRows(byDatasetId(input.sq), maxBytes, encodeSqRows)
  const sqFiles = sqShards.map((s, i) => ({ path: `sq/${shardName("sq", i, sqShards.length)}`, bytes: s.bytes }))
  const sources: Record<string, { train: SplitFiles; eval: SplitFiles }> = {}
  for (const d of [...new Set([...train.perSource.keys(), ...evalSplit.perSource.keys()])].sort(byCodeUnit)) {
    sources[d] = { train: train.perSource.get(d) ?? EMPTY, eval: evalSplit.perSource.get(d) ?? EMPTY }
  }
  const layout: CardLayout = {
    train: train.all,
    eval: evalSplit.all,
    sources,
    sq: { files: sqFiles.map((f) => f.path), rows: input.sq.length, bytes: sqFiles.reduce((n, f) => n + f.bytes.length, 0) },
    rowFacts: rowFacts([...input.train, ...input.eval], input.sq)
  }
  const text = (path: string, content: string): TreeFile => ({ path, bytes: new TextEncoder().encode(content) })
  const spec = input.card.reproduce === undefined ? [] : [text(SPEC_PATH, input.card.reproduce.specText)]
  return [...train.files, ...evalSplit.files, ...sqFiles, ...spec, text(".gitattributes", GITATTRIBUTES), text("README.md", renderCard(input.card, layout))]
}

const ioError = (path: string, what: string) => (e: unknown) => new HubIoError({ path, message: `cannot ${what} ${path}: ${errorText(e)}` })

/** Repo paths must stay inside the target folder. */
const safeJoin = (dir: string, path: string): string => {
  if (path === "" || path.startsWith("/") || path.split("/").some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`unsafe repo path '${path}'`)
  }
  return nodePath.join(dir, ...path.split("/"))
}

/**
 * Write the tree under `dir` (for `revo publish --dry-run DIR`), each file atomically. Parquet
 * files in the managed folders that the tree does not hold are removed, as publish deletes them.
 */
export const writeTree = (dir: string, tree: ReadonlyArray<TreeFile>): Effect.Effect<void, HubIoError> =>
  Effect.gen(function*() {
    const keep = new Set(tree.map((f) => f.path))
    const existing = yield* readTreePaths(dir)
    for (const p of existing) {
      if (!keep.has(p) && MANAGED_DIRS.some((m) => p.startsWith(m)) && p.endsWith(".parquet")) {
        yield* Effect.tryPromise({ try: () => fs.rm(nodePath.join(dir, ...p.split("/"))), catch: ioError(p, "remove stale") })
      }
    }
    for (const f of tree) {
      const target = yield* Effect.try({ try: () => safeJoin(dir, f.path), catch: ioError(f.path, "place") })
      yield* Effect.tryPromise({
        try: async () => {
          await fs.mkdir(nodePath.dirname(target), { recursive: true })
          const tmp = `${target}.tmp-${process.pid}`
          const fh = await fs.open(tmp, "w")
          try {
            await fh.writeFile(f.bytes)
            await fh.sync()
          } finally {
            await fh.close()
          }
          await fs.rename(tmp, target)
        },
        catch: ioError(target, "write")
      })
    }
  })

/** Repo paths of every file under `dir`, sorted; none when `dir` does not exist. */
const readTreePaths = (dir: string): Effect.Effect<Array<string>, HubIoError> =>
  Effect.tryPromise({
    try: async () => {
      const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return []
        throw e
      })
      return entries
        .filter((e) => e.isFile())
        .map((e) => nodePath.relative(dir, nodePath.join(e.parentPath, e.name)).split(nodePath.sep).join("/"))
        .sort(byCodeUnit)
    },
    catch: ioError(dir, "list")
  })

/** Read a tree written by `writeTree` (every file under `dir`), sorted by path. */
export const readTree = (dir: string): Effect.Effect<Array<TreeFile>, HubIoError> =>
  Effect.gen(function*() {
    const paths = yield* readTreePaths(dir)
    return yield* Effect.forEach(paths, (path) =>
      Effect.tryPromise({
        try: async () => ({ path, bytes: new Uint8Array(await fs.readFile(nodePath.join(dir, ...path.split("/")))) }),
        catch: ioError(path, "read")
      }))
  })
