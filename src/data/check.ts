/**
 * The data check of `revo validate`: read each source and join file and report every mapping
 * path (fields, context, where, instruction placeholders), join `key` and join `on` that no
 * record has, with a did-you-mean from the keys the records do have.
 * Problems carry the spec path they belong to, so the caller can point at the spec's line:col.
 *
 * The check is structural (does any record have this field at this place?), not
 * a load: it never decides that a join matches, only that its key and `on` paths exist.
 */
import { existsSync, statSync } from "node:fs"
import * as Effect from "effect/Effect"
import type { Dataset } from "../spec/dataset.ts"
import { didYouMean } from "../spec/did-you-mean.ts"
import { cocoCaptionRecords } from "./coco.ts"
import { DataFileError, DataJoinError, EmptyDataset, type DataError } from "./errors.ts"
import type { Join } from "../spec/dataset.ts"
import { JoinIndexCache, joinFor, rowLookup } from "./joins.ts"
import { compileExpr, evalPath, pathsOf, type Expr, type Lookup, type PathExpr } from "./mapping.ts"
import { LoadHandoff } from "./handoff.ts"
import { DEFAULT_MAX_BAD_FRACTION, keyOf, loadDataset, localPath, readKind, type LoadContext, type LoadedDataset } from "./load.ts"
import type { SplitSample } from "./split.ts"
import { joinWarning } from "./warnings.ts"
import { ParseCache, parseFile, selectRecords, type Parsed, type RawRecord } from "./read.ts"
import { compileWhere, evalWhere, isWhereError } from "./where.ts"


export interface DatasetCheck {
  readonly problems: Array<DataProblem>
  /** Not errors: an optional join that (almost) never matches. */
  readonly warnings: Array<DataProblem>
  /** The dataset's content key (its load task's), from the digests of the parse; absent when there are problems. */
  readonly key?: string
}

export interface DataProblem {
  /** The spec path the problem is about (datasets.<id>.fields.instruction ...). */
  readonly path: ReadonlyArray<string | number>
  readonly message: string
  /** Where to point instead when the spec file does not write `path` (a default or a --set value). */
  readonly orElse?: ReadonlyArray<string | number>
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v)

const typeName = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : typeof v === "string" ? "a text" : `a ${typeof v}`

interface Side {
  /** As declared (for messages). */
  readonly file: string
  readonly records: ReadonlyArray<RawRecord>
}

const keysOf = (values: ReadonlyArray<unknown>): Array<string> => {
  const keys = new Set<string>()
  for (const v of values) if (isObject(v)) for (const k of Object.keys(v)) keys.add(k)
  return [...keys].sort()
}

const hint = (name: string, known: ReadonlyArray<string>): string => {
  const s = didYouMean(name, known)
  return s !== undefined ? ` (did you mean "${s}"?)` : known.length > 0 ? ` (fields: ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", …" : ""})` : ""
}

/** The first place a path leaves every sampled value, as a message; undefined when some value has it. */
const walk = (p: PathExpr, start: ReadonlyArray<unknown>, what: string): string | undefined => {
  let values = start
  let where = p.root
  for (const seg of p.rest) {
    const next: Array<unknown> = []
    if (seg.kind === "key") {
      const objects = values.filter(isObject)
      if (objects.length === 0) {
        const lists = values.some(Array.isArray)
        return `${where} is ${typeName(values[0])}, not an object with field "${seg.name}"${lists ? ` (write ${where}[*].${seg.name})` : ""}`
      }
      for (const o of objects) {
        const x = o[seg.name]
        if (x !== undefined && x !== null) next.push(x)
      }
      if (next.length === 0) return `none of ${what} has the field "${seg.name}" at ${where}.${seg.name}${hint(seg.name, keysOf(objects))}`
      where = `${where}.${seg.name}`
    } else {
      const lists = values.filter(Array.isArray) as Array<ReadonlyArray<unknown>>
      if (lists.length === 0) return `${where} is ${typeName(values[0])}, not a list`
      for (const l of lists) {
        if (seg.kind === "all") next.push(...l)
        else {
          const x = l[seg.index < 0 ? l.length + seg.index : seg.index]
          if (x !== undefined && x !== null) next.push(x)
        }
      }
      where = `${where}${seg.kind === "all" ? "[*]" : `[${seg.index}]`}`
      // an empty list everywhere is data, not a typo: stop here
      if (next.length === 0) return undefined
    }
    values = next
  }
  return undefined
}

interface Scope {
  /** The records the roots are read from. */
  readonly side: Side
  /** Joins reachable by name, with whether they keep every match. */
  readonly joins: ReadonlyMap<string, { readonly side: Side; readonly many: boolean }>
  /** Roots that are bound by the expression's context rather than the data ({instruction} in a template). */
  readonly bound?: ReadonlySet<string>
}

/** Why a path matches none of the records of its side, or undefined. */
export const pathProblem = (p: PathExpr, scope: Scope): string | undefined => {
  const { side } = scope
  const recordsWhat = `the ${side.records.length} records of ${side.file}`
  if (scope.bound?.has(p.root)) return undefined
  if (p.root === "$key") {
    return side.records.some((r) => r.key !== undefined) ? undefined
      : `$key: the records of ${side.file} are not keyed by id ($key needs records: "*", the values of an object)`
  }
  if (p.root === "$index" || p.root === "$line") return undefined
  const join = scope.joins.get(p.root)
  // Fast path: the first record (or joined row) that has the whole path settles it; the
  // diagnostic walk over every value runs only when none has it.
  const has = (value: unknown) => value !== undefined && value !== null && evalPath(p, (root) => (root === p.root ? value : undefined)).ok
  if (join !== undefined) {
    if (join.side.records.some((r) => has(join.many ? [r.value] : r.value))) return undefined
    const rows = join.side.records.map((r) => r.value)
    return walk(p, join.many ? [rows] : rows, `the ${rows.length} rows of ${join.side.file}`)
  }
  if (side.records.some((r) => has(isObject(r.value) ? r.value[p.root] : undefined))) return undefined
  const roots: Array<unknown> = []
  for (const r of side.records) {
    const v = isObject(r.value) ? r.value[p.root] : undefined
    if (v !== undefined && v !== null) roots.push(v)
  }
  if (roots.length === 0) {
    const known = keysOf(side.records.map((r) => r.value))
    const joinNames = [...scope.joins.keys()]
    const s = didYouMean(p.root, [...known, ...joinNames])
    const list = known.length > 0 ? ` (fields: ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", …" : ""}${joinNames.length > 0 ? `; joins: ${joinNames.join(", ")}` : ""})` : ""
    return `none of ${recordsWhat} has the field "${p.root}"${s !== undefined ? ` (did you mean "${s}"?)` : list}`
  }
  return walk(p, roots, recordsWhat)
}

const exprProblems = (e: Expr, scope: Scope): Array<string> => {
  const out: Array<string> = []
  for (const p of pathsOf(e)) {
    const m = pathProblem(p, scope)
    if (m !== undefined) out.push(`${JSON.stringify(e.source)}: ${m}`)
  }
  return out
}

const recordsOf = (dataset: string, declared: string, parsed: Parsed, records: string | undefined, coco: boolean): ReadonlyArray<RawRecord> => {
  if (coco) {
    if (parsed.kind !== "json") throw new DataFileError({ dataset, file: declared, message: `Dataset ${dataset}: coco-captions expects a JSON document` })
    const c = cocoCaptionRecords(parsed.doc)
    if (typeof c === "string") throw new DataFileError({ dataset, file: declared, message: `Dataset ${dataset}, ${declared}: ${c}` })
    return c.records
  }
  if (parsed.kind === "lines") return parsed.records
  const r = selectRecords(parsed.doc, records)
  if (typeof r === "string") throw new DataFileError({ dataset, file: declared, message: `Dataset ${dataset}, ${declared}: ${r}` })
  return r
}

/** Check one dataset's declaration against the records of its files. */
export const checkDatasetData = <E = never>(
  id: string,
  decl: Dataset,
  ctx: LoadContext<E> & { readonly cache: ParseCache }
): Effect.Effect<DatasetCheck, DataError | E> =>
  Effect.gen(function*() {
    const read = (declared: string, kind: "json" | "jsonl" | "csv", delimiter: string) =>
      Effect.flatMap(localPath(id, declared, ctx), (local) =>
        Effect.tryPromise({
          try: () => ctx.cache.get(local, kind, delimiter, () => parseFile(id, declared, local, kind, delimiter)),
          catch: (e) => (e instanceof DataFileError ? e : new DataFileError({ dataset: id, file: declared, message: `Dataset ${id}: ${String(e)}` }))
        }))
    const problems: Array<DataProblem> = []
    const warnings: Array<DataProblem> = []
    const base = ["datasets", id]
    const sourceParsed = yield* read(decl.source.path, readKind(decl), decl.source.delimiter ?? ",")
    const files = [{ role: "source", sha256: sourceParsed.digest.sha256 }]
    const allSource = yield* Effect.try({
      try: () => recordsOf(id, decl.source.path, sourceParsed, decl.source.records, decl.source.format === "coco-captions"),
      catch: (e) => e as DataFileError
    })
    if (allSource.length === 0) {
      problems.push({ path: [...base, "source", "path"], message: `${decl.source.path} holds no records: the dataset would be empty` })
      return { problems, warnings }
    }
    // Every record, not the first few: a field that only some later records have is not a typo
    // (the files are parsed whole anyway; walking the paths costs milliseconds).
    const source: Side = { file: decl.source.path, records: allSource }
    // A where on the record's own fields drops rows before the joins (as in a load), so joins are matched on what it keeps.
    const compiledWhere = decl.where === undefined ? undefined : compileWhere(decl.where)
    const rawWhere = compiledWhere !== undefined && !isWhereError(compiledWhere) && !compiledWhere.readsMapped &&
        !compiledWhere.paths.some((p) => decl.joins.some((j) => j.as === p.root)) &&
        compiledWhere.paths.every((p) => pathProblem(p, { side: source, joins: new Map() }) === undefined)
      ? compiledWhere : undefined
    const kept = rawWhere === undefined ? allSource : allSource.filter((r) => evalWhere(rawWhere, recordLookup(r), () => undefined))
    const joins = new Map<string, { side: Side; many: boolean }>()
    for (let i = 0; i < decl.joins.length; i++) {
      const j = decl.joins[i]!
      const parsed = yield* read(j.path, j.format, j.delimiter ?? ",")
      files.push({ role: `join:${j.as}`, sha256: parsed.digest.sha256 })
      const all = yield* Effect.try({ try: () => recordsOf(id, j.path, parsed, j.records, false), catch: (e) => e as DataFileError })
      if (all.length === 0) {
        problems.push({ path: [...base, "joins", i, "path"], message: `${j.path} holds no rows: the join "${j.as}" can match nothing` })
        continue
      }
      const side: Side = { file: j.path, records: all }
      const key = compileExpr(j.key)
      const before = problems.length
      if (typeof key !== "string") {
        for (const m of exprProblems(key, { side, joins: new Map() })) problems.push({ path: [...base, "joins", i, "key"], message: m })
      }
      const on = compileExpr(j.on)
      // `on` reads the main record and the joins declared before this one
      if (typeof on !== "string") {
        for (const m of exprProblems(on, { side: source, joins })) problems.push({ path: [...base, "joins", i, "on"], message: m })
      }
      // Both paths exist: match every record (the files are parsed whole already, this is cheap).
      // An `on` that reads an earlier join is left to the load.
      if (problems.length === before && typeof key !== "string" && typeof on !== "string" && !pathsOf(on).some((p) => joins.has(p.root))) {
        if (kept.length > 0) matchJoin(id, j, i, key, on, all, kept, decl.source.path, ctx.maxBadFraction ?? DEFAULT_MAX_BAD_FRACTION, problems, warnings, ctx.joinIndexes ?? new JoinIndexCache())
      }
      joins.set(j.as, { side, many: j.many })
    }
    const scope: Scope = { side: source, joins }
    const check = (path: ReadonlyArray<string | number>, src: string | undefined, bound?: ReadonlySet<string>) => {
      if (src === undefined) return
      const e = compileExpr(src)
      if (typeof e === "string") return // the spec's own check reports syntax
      for (const m of exprProblems(e, bound === undefined ? scope : { ...scope, bound })) problems.push({ path: [...base, ...path], message: m })
    }
    const f = decl.fields ?? {}
    check(["fields", "id"], f.id)
    check(["fields", "image"], f.image)
    check(["fields", "image_path"], f.image_path)
    check(["fields", "instruction"], f.instruction)
    if (typeof f.references === "string") check(["fields", "references"], f.references)
    else f.references?.forEach((r, k) => check(["fields", "references", k], r))
    check(["fields", "task"], f.task)
    check(["context"], decl.context)
    if (decl.instruction !== undefined && /[{}]/u.test(decl.instruction)) {
      // {instruction} is the source's own where the format has one
      const own = decl.source.format === "llava" || f.instruction !== undefined
      check(["instruction"], decl.instruction, own ? new Set(["instruction"]) : undefined)
    }
    if (decl.where !== undefined) {
      const w = compileWhere(decl.where)
      if (!isWhereError(w)) {
        const before = problems.length
        for (const p of w.paths) {
          const m = pathProblem(p, scope)
          if (m !== undefined) problems.push({ path: [...base, "where"], message: `${p.source}: ${m}` })
        }
        // A condition on the source's own fields is tried on every record: keeping none is an empty dataset.
        if (problems.length === before && rawWhere !== undefined && kept.length === 0) {
          problems.push({ path: [...base, "where"], message: `keeps none of the ${allSource.length} records of ${decl.source.path}: the dataset would be empty` })
        }
      }
    }
    return problems.length > 0 ? { problems, warnings } : { problems, warnings, key: keyOf(id, decl, files) }
  })

/** A lookup over a source record: its fields and $key / $index / $line. */
const recordLookup = (r: RawRecord): Lookup => rowLookup(r)

/** Match every record against a join's index: a required join that leaves too many records unmatched is an error, an optional one that (almost) never matches a warning. */
const matchJoin = (
  id: string, j: Join, i: number, key: Expr, on: Expr,
  rows: ReadonlyArray<RawRecord>, records: ReadonlyArray<RawRecord>, sourceFile: string, maxBad: number,
  problems: Array<DataProblem>, warnings: Array<DataProblem>, indexes: JoinIndexCache
): void => {
  const idx = indexes.get(id, j, key, on, rows)
  if (idx instanceof DataJoinError) {
    problems.push({ path: ["datasets", id, "joins", i, "key"], message: idx.message.replace(`Dataset ${id}, join "${j.as}": `, "") })
    return
  }
  let firstMiss: string | undefined
  let missed = 0
  // every miss counted, also for an optional join (its counts are idx's: the same object)
  const strict = { ...idx, required: true }
  for (const r of records) {
    const res = joinFor(strict, recordLookup(r))
    if (!res.ok) {
      missed++
      firstMiss ??= res.reason.replace(`join "${j.as}": `, "")
    }
  }
  const { looked, matched } = idx.counts
  if (j.required) {
    if (matched === 0) {
      problems.push({ path: ["datasets", id, "joins", i, "on"], message: `required join "${j.as}" matches none of the ${looked} records of ${sourceFile}: ${firstMiss ?? ""}` })
    } else if (missed > maxBad * looked) {
      problems.push({
        path: ["datasets", id, "joins", i, "on"],
        message: `required join "${j.as}" finds no row for ${missed} of ${looked} records of ${sourceFile} (more than split.max_bad_fraction ${(100 * maxBad).toFixed(2)}%), e.g. ${firstMiss ?? ""}`
      })
    }
  } else {
    const w = joinWarning(id, idx)
    if (w !== undefined) warnings.push({ path: ["datasets", id, "joins", i, "on"], message: w.replace(`Dataset ${id}, join "${j.as}": `, `join "${j.as}" `) })
  }
}

export interface DataCheck {
  readonly problems: Array<DataProblem>
  readonly warnings: Array<DataProblem>
  /** Datasets with an hf:// file not downloaded yet (or over the size cap): not checked. */
  readonly skipped: Array<string>
  /** The content key of each dataset that passed its check (what its load task is keyed by). */
  readonly keys: Record<string, string>
  /**
   * Load the datasets that passed their check from the parse the check holds (no file is read
   * twice), through the load tasks' own loader: their samples, as far as the split reads them
   * (id and image id), and a problem at the source for each load that would fail (too many bad
   * rows, no sample left).
   */
  readonly loadSamples: () => Effect.Effect<{ readonly samples: Record<string, ReadonlyArray<SplitSample>>; readonly problems: Array<DataProblem> }>
  /**
   * The check's parse and the datasets loadSamples loaded (if it ran), for the load tasks of a
   * run in this process (data/handoff.ts): `datasets` are the ids the run plans load tasks for.
   */
  readonly handoff: (datasets: Iterable<string>) => LoadHandoff
}

/** Check every dataset; file errors become problems at the file's spec path. */
export const checkData = <E extends { readonly message: string } = never>(
  datasets: Readonly<Record<string, Dataset>>,
  ctx: LoadContext<E>,
  options: {
    /** Skip a dataset with a file larger than this (plan and run: its load task parses it; a checked dataset is handed over, data/handoff.ts). */
    readonly maxFileBytes?: number
  } = {}
): Effect.Effect<DataCheck> =>
  Effect.gen(function*() {
    const cache = ctx.cache ?? new ParseCache()
    // a join file indexed the same way by several datasets (COCO captions by image id) is indexed once
    const joinIndexes = ctx.joinIndexes ?? new JoinIndexCache()
    const out: Array<DataProblem> = []
    const warned: Array<DataProblem> = []
    const skipped: Array<string> = []
    const keys: Record<string, string> = {}
    for (const id of Object.keys(datasets).sort()) {
      const decl = datasets[id]!
      // validate never downloads (the files can be GBs): a dataset with an hf:// file not cached yet is skipped.
      const remote = [decl.source.path, ...decl.joins.map((j) => j.path)].filter((p) => p.startsWith("hf://"))
      const cached = yield* Effect.forEach(remote, (p) => (ctx.remote ? ctx.remote.isCached(p) : Effect.succeed(false)))
      if (cached.includes(false)) {
        skipped.push(id)
        continue
      }
      if (options.maxFileBytes !== undefined) {
        const max = options.maxFileBytes
        const sizes = yield* Effect.forEach([decl.source.path, ...decl.joins.map((j) => j.path)], (p) =>
          localPath(id, p, ctx).pipe(Effect.map((local) => (existsSync(local) ? statSync(local).size : 0)), Effect.orElseSucceed(() => 0)))
        if (sizes.some((b) => b > max)) {
          skipped.push(id)
          continue
        }
      }
      const r = yield* Effect.result(checkDatasetData(id, decl, { ...ctx, cache, joinIndexes }))
      if (r._tag === "Success") {
        out.push(...r.success.problems)
        warned.push(...r.success.warnings)
        if (r.success.key !== undefined) keys[id] = r.success.key
      }
      else out.push(fileProblem(id, decl, r.failure))
    }
    const loaded: Array<LoadedDataset> = []
    const loadSamples = () =>
      Effect.gen(function*() {
        const samples: Record<string, ReadonlyArray<SplitSample>> = {}
        const problems: Array<DataProblem> = []
        loaded.length = 0
        for (const id of Object.keys(keys).sort()) {
          const r = yield* Effect.result(loadDataset(id, datasets[id]!, { ...ctx, cache, joinIndexes }))
          // whole samples: a run's load tasks are handed them (handoff below); validate drops them after the split check
          if (r._tag === "Success") {
            samples[id] = r.success.samples
            loaded.push(r.success)
          } else {
            const e = r.failure
            // every row dropped by `where` (one on joins or mapped fields, which the check above cannot try): point at the where
            problems.push(e instanceof EmptyDataset && e.where !== undefined && e.bad === 0 ? { path: ["datasets", id, "where"], message: e.message } : fileProblem(id, datasets[id]!, e))
          }
        }
        return { samples, problems }
      })
    return { problems: out, warnings: warned, skipped, keys, loadSamples, handoff: (ids: Iterable<string>) => new LoadHandoff(ids, { cache, joinIndexes }, loaded) }
  })

/** A data error as a problem at the file it is about (the source's path by default). */
const fileProblem = (id: string, decl: Dataset, e: { readonly message: string }): DataProblem => {
  const file = "file" in e && typeof e.file === "string" ? e.file : decl.source.path
  const joinIndex = decl.joins.findIndex((j) => j.path === file)
  return { path: joinIndex >= 0 ? ["datasets", id, "joins", joinIndex, "path"] : ["datasets", id, "source", "path"], message: e.message }
}
