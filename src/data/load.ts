/**
 * Loading a declared dataset into Samples: resolve its files (local or Hub), parse them (cached
 * per session), build join indexes, run every record through the adapter, count bad rows and
 * fail above `max_bad_fraction`, and compute the dataset's content key from the same bytes.
 */
import * as Effect from "effect/Effect"
import type { Dataset } from "../spec/dataset.ts"
import { resolveDataPath } from "../spec/load.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { sha256 } from "../util/fs.ts"
import { cocoCaptionRecords } from "./coco.ts"
import { DataFileError, DataJoinError, DataMappingError, EmptyDataset, TooManyBadRows, formatBadRow, type BadRow, type DataError } from "./errors.ts"
import { JoinIndexCache, type JoinIndex } from "./joins.ts"
import { llavaTurns, stripImageTokens } from "./llava.ts"
import { compileExpr, type Expr } from "./mapping.ts"
import { ParseCache, hashFile, parseFile, selectRecords, type FileDigest, type Parsed, type RawRecord, type ReadKind } from "./read.ts"
import { buildSample, cleanTexts, mappedInstruction, mappedTurns, withInstruction, type Compiled, type LoadCounters, type RecordPlan } from "./records.ts"
import type { Sample } from "./sample.ts"
import { datasetWarnings } from "./warnings.ts"
import { compileWhere, isWhereError, whereErrorText } from "./where.ts"

/** Bump when an adapter's output changes for the same bytes and declaration: old keys then miss. */
export const ADAPTER_VERSION = 1

export const DEFAULT_MAX_BAD_FRACTION = 0.01

/**
 * Where `hf://` files come from. The data layer sits below the Hub layer, so the Hub's resolver
 * (src/hub/source.ts) is handed in by the layers above; `E` is its error type, kept as is.
 */
export interface RemoteFiles<E> {
  /** A local copy of the remote file (downloaded once, then from the cache). */
  readonly resolve: (url: string) => Effect.Effect<string, E>
  /** Whether a local copy exists already, without fetching anything. */
  readonly isCached: (url: string) => Effect.Effect<boolean>
}

export interface LoadContext<E = never> {
  /** Absolute root of local paths. */
  readonly dataRoot: string
  /** Default 0.01 (the spec's split.max_bad_fraction). */
  readonly maxBadFraction?: number
  /** How hf:// sources are fetched; without it, such a source is a DataFileError. */
  readonly remote?: RemoteFiles<E>
  /** Share parsed files between the datasets of one load (a join file read once). */
  readonly cache?: ParseCache
  /** Share join indexes between the datasets of one load or check (a join file indexed once). */
  readonly joinIndexes?: JoinIndexCache
}

/** A file a dataset read, by role (`source`, `join:<as>`), with the path as declared. */
export interface DatasetFile extends FileDigest {
  readonly role: string
  readonly path: string
}

export interface LoadedDataset {
  readonly id: string
  /** sha256 of the adapter version, the declaration (canonical JSON) and every file's bytes. */
  readonly key: string
  readonly samples: ReadonlyArray<Sample>
  readonly badRows: ReadonlyArray<BadRow>
  /** Rows dropped by `where:` (neither samples nor bad rows). */
  readonly filtered: number
  /** samples + bad rows + filtered */
  readonly rows: number
  /** What loaded but is probably not what was meant (a join that never matched, a field always empty). */
  readonly warnings: ReadonlyArray<string>
  /** Empty references skipped inside good rows (OK-VQA has a few empty answers among ten). */
  readonly emptyReferencesSkipped: number
  readonly files: ReadonlyArray<DatasetFile>
}

/** The declaration as far as it determines the samples (description and split sizes do not). */
const keyedDeclaration = (decl: Dataset): unknown => {
  const { description: _d, split: _s, ...rest } = decl
  return rest
}

/** The dataset key from its declaration and its files' digests (pure; the same bytes give the same key anywhere). */
export const keyOf = (id: string, decl: Dataset, files: ReadonlyArray<Pick<DatasetFile, "role" | "sha256">>): string =>
  sha256(canonicalJson({
    adapter_version: ADAPTER_VERSION,
    id,
    declaration: keyedDeclaration(decl),
    files: files.map((f) => ({ role: f.role, sha256: f.sha256 }))
  }))

interface FilePlan { readonly role: string; readonly declared: string }

/** The files a dataset declares (source, then joins), as written in the spec. */
export const filesOf = (decl: Dataset): Array<FilePlan> => [
  { role: "source", declared: decl.source.path },
  ...decl.joins.map((j) => ({ role: `join:${j.as}`, declared: j.path }))
]

export const localPath = <E = never>(dataset: string, declared: string, ctx: LoadContext<E>): Effect.Effect<string, DataError | E> => {
  if (!declared.startsWith("hf://")) return Effect.succeed(resolveDataPath(ctx.dataRoot, declared))
  if (ctx.remote === undefined) return Effect.fail(new DataFileError({ dataset, file: declared, message: `Dataset ${dataset}: ${declared}: hf:// sources need the Hub resolver (src/hub/source.ts)` }))
  return ctx.remote.resolve(declared)
}

/** The dataset key without parsing anything (hashes the files). Equals `loadDataset(...).key`. */
export const datasetKey = <E = never>(id: string, decl: Dataset, ctx: LoadContext<E>): Effect.Effect<string, DataError | E> =>
  Effect.gen(function*() {
    const files: Array<DatasetFile> = []
    for (const f of filesOf(decl)) {
      const local = yield* localPath(id, f.declared, ctx)
      const digest = yield* Effect.tryPromise({ try: () => hashFile(id, f.declared, local), catch: (e) => asDataError(id, f.declared, e) })
      files.push({ role: f.role, path: f.declared, ...digest })
    }
    return keyOf(id, decl, files)
  })

const asDataError = (dataset: string, file: string, e: unknown): DataFileError | DataJoinError | DataMappingError =>
  e instanceof DataFileError || e instanceof DataJoinError || e instanceof DataMappingError
    ? e
    : new DataFileError({ dataset, file, message: `Dataset ${dataset}: ${e instanceof Error ? e.message : String(e)}` })

const compile = (dataset: string, field: string, source: string): Expr => {
  const r = compileExpr(source)
  if (typeof r === "string") throw new DataMappingError({ dataset, field, expression: source, message: `Dataset ${dataset}, ${field}: ${r}` })
  return r
}

const compileFields = (id: string, decl: Dataset): Compiled => {
  const f = decl.fields ?? {}
  const fmt = decl.source.format
  const opt = (field: string, v: string | undefined) => (v === undefined ? {} : { [field]: compile(id, `fields.${field}`, v) })
  const defaults = fmt === "llava" ? { id: "id", image: "image" } : fmt === "coco-captions" ? { id: "id", image: "id", image_path: "file_name" } : {}
  const imageSrc = f.image ?? defaults.image
  const imagePathSrc = f.image_path ?? ("image_path" in defaults ? defaults.image_path : undefined)
  const refs = f.references === undefined ? [] : typeof f.references === "string" ? [f.references] : f.references
  const optional = decl.optional ?? []
  const where = decl.where === undefined ? undefined : compileWhere(decl.where)
  if (where !== undefined && isWhereError(where)) {
    throw new DataMappingError({ dataset: id, field: "where", expression: decl.where!, message: `Dataset ${id}, where: ${whereErrorText(where, decl.where!)}` })
  }
  const instr = decl.instruction
  const instructionOverride = instr === undefined ? undefined
    : instr.includes("{") || instr.includes("}") ? { template: compile(id, "instruction", instr) }
    : { fixed: instr }
  return {
    ...opt("id", f.id ?? defaults.id),
    idOptional: optional.includes("id"),
    ...(imageSrc === undefined ? {} : { image: compile(id, "fields.image", imageSrc) }),
    imageOptional: f.image === undefined || optional.includes("image"),
    ...(imagePathSrc === undefined ? {} : { imagePath: compile(id, "fields.image_path", imagePathSrc) }),
    ...opt("instruction", f.instruction),
    references: refs.map((r, i) => compile(id, refs.length === 1 ? "fields.references" : `fields.references.${i}`, r)),
    ...opt("task", f.task),
    ...(decl.context === undefined ? {} : { context: compile(id, "context", decl.context) }),
    ...(instructionOverride === undefined ? {} : { instructionOverride }),
    ...(where === undefined ? {} : {
      where: {
        where,
        stage: where.readsMapped ? "mapped" as const : where.paths.some((p) => decl.joins.some((j) => j.as === p.root)) ? "joined" as const : "raw" as const
      }
    })
  }
}

export const readKind = (decl: Dataset): ReadKind => {
  const fmt = decl.source.format
  if (fmt === "jsonl" || fmt === "csv") return fmt
  if (fmt === "llava" && /\.(jsonl|ndjson)$/iu.test(decl.source.path)) return "jsonl"
  return "json"
}

const recordsOf = (dataset: string, declared: string, parsed: Parsed, records: string | undefined): ReadonlyArray<RawRecord> => {
  if (parsed.kind === "lines") return parsed.records
  const r = selectRecords(parsed.doc, records)
  if (typeof r === "string") throw new DataFileError({ dataset, file: declared, message: `Dataset ${dataset}, ${declared}: ${r}` })
  return r
}

/** The synchronous heart of a load, once every file is local. Throws only typed DataErrors. */
const loadLocal = async (id: string, decl: Dataset, locals: ReadonlyArray<string>, cache: ParseCache, joinIndexes: JoinIndexCache): Promise<Omit<LoadedDataset, "key"> & { readonly files: ReadonlyArray<DatasetFile> }> => {
  const exprs = compileFields(id, decl)
  const plans = filesOf(decl)
  const kind = readKind(decl)
  const delimiter = decl.source.delimiter ?? ","
  const parse = (i: number, k: ReadKind, delim: string) => cache.get(locals[i]!, k, delim, () => parseFile(id, plans[i]!.declared, locals[i]!, k, delim))
  const parsedSource = await parse(0, kind, delimiter)
  const parsedJoins = await Promise.all(decl.joins.map((j, i) => parse(i + 1, j.format, j.delimiter ?? ",")))
  const files: Array<DatasetFile> = [parsedSource, ...parsedJoins].map((p, i) => ({ role: plans[i]!.role, path: plans[i]!.declared, ...p.digest }))

  const joins: Array<JoinIndex> = decl.joins.map((j, i) => {
    const idx = joinIndexes.get(id, j, compile(id, `joins.${i}.key`, j.key), compile(id, `joins.${i}.on`, j.on), recordsOf(id, j.path, parsedJoins[i]!, j.records))
    if (idx instanceof DataJoinError) throw idx
    return idx
  })

  const file = decl.source.path
  const badRows: Array<BadRow> = []
  let records: ReadonlyArray<RawRecord>
  if (decl.source.format === "coco-captions") {
    if (parsedSource.kind !== "json") throw new DataFileError({ dataset: id, file, message: `Dataset ${id}: coco-captions expects a JSON document` })
    const coco = cocoCaptionRecords(parsedSource.doc)
    if (typeof coco === "string") throw new DataFileError({ dataset: id, file, message: `Dataset ${id}, ${file}: ${coco}` })
    records = coco.records
    for (const b of coco.bad) badRows.push({ file, ...b })
  } else {
    records = recordsOf(id, file, parsedSource, decl.source.records)
    if (parsedSource.kind === "lines") for (const b of parsedSource.bad) badRows.push({ file, ...b })
  }

  const counters: LoadCounters = { emptyReferences: 0 }
  const fmt = decl.source.format
  // Every format honours fields.instruction / fields.references (a mapped single turn) and the
  // dataset's `instruction` (fixed, or a template around the source's own).
  const mapped = exprs.references.length > 0
  const turns: RecordPlan["turns"] =
    fmt === "llava" && !mapped ? (lookup, record) => withInstruction(exprs, llavaTurns(record), lookup) :
    fmt === "coco-captions" && !mapped ? (lookup, record) => {
      const caps = cleanTexts((record as { captions: ReadonlyArray<string> }).captions)
      if (caps.length === 0) return { ok: false, reason: "empty response (the image has no captions)" }
      const instruction = mappedInstruction(exprs, lookup)
      return instruction.ok ? { ok: true, value: [{ instruction: instruction.value, references: caps }] } : instruction
    } :
    fmt === "llava" ? (lookup) => {
      const r = mappedTurns(exprs, counters)(lookup)
      return r.ok ? { ok: true, value: r.value.map((t) => ({ instruction: stripImageTokens(t.instruction), references: t.references })) } : r
    } :
    mappedTurns(exprs, counters)
  const plan: RecordPlan = { dataset: id, decl, file, exprs, joins, imageScheme: decl.image_ids ?? (decl.source.format === "coco-captions" ? "coco" : id), turns }

  const samples: Array<Sample> = []
  const firstSeen = new Map<string, RawRecord>()
  let filtered = 0
  for (const rec of records) {
    const built = buildSample(plan, rec)
    // where a bad row is, built only for bad rows (this loop runs once per record)
    const where = () => ({ file, ...(rec.line !== undefined ? { line: rec.line } : { index: rec.index ?? 0 }), ...(rec.key !== undefined ? { key: rec.key } : {}) })
    if (!built.ok) {
      if (built.filtered) filtered++
      else badRows.push({ ...where(), reason: built.reason })
      continue
    }
    const prev = firstSeen.get(built.sample.id)
    if (prev !== undefined) {
      badRows.push({ ...where(), reason: `duplicate id ${JSON.stringify(built.sample.id)} (first at ${prev.line !== undefined ? `line ${prev.line}` : `record ${prev.index}`})` })
      continue
    }
    firstSeen.set(built.sample.id, rec)
    samples.push(built.sample)
  }
  badRows.sort((a, b) => (a.line ?? a.index ?? 0) - (b.line ?? b.index ?? 0))
  const warnings = datasetWarnings(id, decl, exprs, joins, samples)
  return { id, samples, badRows, filtered, rows: samples.length + badRows.length + filtered, emptyReferencesSkipped: counters.emptyReferences, files, warnings }
}

/** Load one dataset. Fails with TooManyBadRows above `maxBadFraction`; bad rows below it come back listed. */
export const loadDataset = <E = never>(id: string, decl: Dataset, ctx: LoadContext<E>): Effect.Effect<LoadedDataset, DataError | E> =>
  Effect.gen(function*() {
    const locals: Array<string> = []
    for (const f of filesOf(decl)) locals.push(yield* localPath(id, f.declared, ctx))
    const cache = ctx.cache ?? new ParseCache()
    const loaded = yield* Effect.tryPromise({ try: () => loadLocal(id, decl, locals, cache, ctx.joinIndexes ?? new JoinIndexCache()), catch: (e) => asDataError(id, decl.source.path, e) })
    const max = ctx.maxBadFraction ?? DEFAULT_MAX_BAD_FRACTION
    if (loaded.badRows.length > max * (loaded.rows - loaded.filtered)) {
      return yield* new TooManyBadRows({
        dataset: id, bad: loaded.badRows.length, rows: loaded.rows - loaded.filtered, maxFraction: max,
        examples: loaded.badRows.slice(0, 10).map(formatBadRow)
      })
    }
    if (loaded.samples.length === 0) {
      return yield* new EmptyDataset({
        dataset: id, file: decl.source.path, rows: loaded.rows, bad: loaded.badRows.length, filtered: loaded.filtered,
        ...(decl.where !== undefined ? { where: decl.where } : {}),
        examples: loaded.badRows.slice(0, 3).map(formatBadRow)
      })
    }
    return { ...loaded, key: keyOf(id, decl, loaded.files) }
  }).pipe(Effect.withLogSpan(`load ${id}`))

/** Load several datasets, sharing parsed files; the result is keyed (and ordered) by sorted id. */
export const loadDatasets = <E = never>(
  datasets: Readonly<Record<string, Dataset>>,
  ctx: LoadContext<E>
): Effect.Effect<Record<string, LoadedDataset>, DataError | E> =>
  Effect.gen(function*() {
    const shared: LoadContext<E> = { ...ctx, cache: ctx.cache ?? new ParseCache(), joinIndexes: ctx.joinIndexes ?? new JoinIndexCache() }
    const ids = Object.keys(datasets).sort()
    const loaded = yield* Effect.forEach(ids, (id) => loadDataset(id, datasets[id]!, shared), { concurrency: 4 })
    const out: Record<string, LoadedDataset> = {}
    loaded.forEach((d) => { out[d.id] = d })
    return out
  })
