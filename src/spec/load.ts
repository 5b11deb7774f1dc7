/**
 * Loading a spec file: YAML with positions -> `${VAR}` interpolation -> `--set` overrides ->
 * Schema decode -> cross-field checks -> paths resolved. Every problem is collected and
 * reported at once as `file:line:col path: message`, never only the first.
 */
import { Worker } from "node:worker_threads"
import { existsSync, readFileSync, statSync } from "node:fs"
import { dirname, isAbsolute, relative, resolve } from "node:path"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parse as parseYamlValue, parseDocument, visit } from "yaml"
import type { Document, Node, Pair, YAMLMap } from "yaml"
import { canonicalJson } from "../util/canonical-json.ts"
import { didYouMean } from "./did-you-mean.ts"
import { knownKeysAt } from "./json-schema.ts"
import { desugarOptionalFields } from "./dataset.ts"
import { Spec } from "./schema.ts"
import { SpecError, type SpecProblem } from "./errors.ts"
import { sha256 } from "../util/fs.ts"

export interface SpecLoadOptions {
  /** `path=value` overrides, applied after interpolation. */
  readonly set?: ReadonlyArray<string>
  /** Overrides `data_root` (the CLI's --data-root). */
  readonly dataRoot?: string
  /** The environment used for `${VAR}` (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Check that local dataset files exist (default true). */
  readonly checkFiles?: boolean
  /**
   * More checks of the decoded spec whose problems are located like the others (e.g. the backend
   * plugin and its params, from src/backends/spec-check.ts: the spec layer does not load plugins).
   */
  readonly extraChecks?: ReadonlyArray<SpecCheck>
}

/** A problem at a spec path: located at the value (or at the key, for a wrong name), or at its --set flag. */
export type Locate = (path: ReadonlyArray<string | number>, message: string, options?: { readonly atKey?: boolean }) => SpecProblem
export type SpecCheck = (spec: Spec, context: { readonly specDir: string; readonly locate: Locate }) => ReadonlyArray<SpecProblem>

export interface LoadedSpec {
  /** The spec file, absolute. */
  readonly file: string
  readonly spec: Spec
  /** Absolute data root. */
  readonly dataRoot: string
  /** sha256 of the decoded spec's canonical JSON: the same spec gives the same hash anywhere. */
  readonly hash: string
}

type Path = ReadonlyArray<string | number>

const pathText = (path: Path): string => path.map(String).join(".")

/** Resolve a dataset or join path against the data root; Hub references stay as they are. */
export const resolveDataPath = (dataRoot: string, p: string): string =>
  p.startsWith("hf://") ? p : isAbsolute(p) ? p : resolve(dataRoot, p)

/** Download options for hf:// sources, from the spec's `hub` section (paths against the spec file). */
export const hubOptions = (loaded: LoadedSpec): { endpoint?: string; cacheDir?: string } => ({
  ...(loaded.spec.hub.endpoint !== undefined ? { endpoint: loaded.spec.hub.endpoint } : {}),
  ...(loaded.spec.hub.cache_dir !== undefined ? { cacheDir: resolve(dirname(loaded.file), loaded.spec.hub.cache_dir) } : {})
})

export const loadSpec = (file: string, options: SpecLoadOptions = {}): Effect.Effect<LoadedSpec, SpecError> =>
  Effect.gen(function*() {
    // A large spec is checked in a worker first, where an interruption can stop it (see load-worker.ts).
    if (fileSize(file) > PRECHECK_IN_WORKER_BYTES) {
      const found = yield* precheckInWorker(file, options)
      if (found !== undefined) return yield* found
    }
    const result = loadSpecSync(file, options)
    return result._tag === "ok" ? result.value : yield* result.error
  })

/** Specs above this size are pre-checked in a worker thread (real specs are a few KiB). */
export const PRECHECK_IN_WORKER_BYTES = 256 * 1024

const fileSize = (file: string): number => {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/** The spec's problems found in a worker (undefined: none, or the worker could not run, so the main thread decides). */
const precheckInWorker = (file: string, options: SpecLoadOptions): Effect.Effect<SpecError | undefined> =>
  Effect.callback<SpecError | undefined>((resume) => {
    const worker = new Worker(new URL("./load-worker.ts", import.meta.url), {
      workerData: {
        file,
        options: {
          ...(options.set !== undefined ? { set: [...options.set] } : {}),
          ...(options.dataRoot !== undefined ? { dataRoot: options.dataRoot } : {}),
          env: { ...(options.env ?? process.env) }
        }
      }
    })
    worker.once("message", (m: { ok: boolean; file?: string; problems?: Array<SpecProblem> }) =>
      resume(Effect.succeed(m.ok ? undefined : new SpecError({ file: m.file ?? file, problems: m.problems ?? [] }))))
    worker.once("error", () => resume(Effect.succeed(undefined)))
    return Effect.sync(() => void worker.terminate())
  })

export const loadSpecSync = (
  file: string,
  options: SpecLoadOptions = {}
): { readonly _tag: "ok"; readonly value: LoadedSpec } | { readonly _tag: "error"; readonly error: SpecError } => {
  const shown = displayPath(file)
  const fail = (problems: ReadonlyArray<SpecProblem>) => ({ _tag: "error" as const, error: new SpecError({ file: shown, problems }) })
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return fail([{ path: "", message: code === "ENOENT" ? "No such spec file" : code === "EISDIR" ? "Expected a YAML file, got a folder" : `Cannot read the spec file (${code ?? String(e)})` }])
  }

  const lineCounter = new LineCounter()
  // The parser's own duplicate-key check compares every key with every earlier one (quadratic:
  // 60,000 keys took minutes, deaf to SIGTERM); duplicateKeyProblems does it with a set.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false })
  const problems: Array<SpecProblem> = []
  const at = (node: unknown): { line?: number; col?: number } => {
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0])
      return { line, col }
    }
    return {}
  }

  for (const err of doc.errors) {
    const { line, col } = lineCounter.linePos(err.pos[0])
    problems.push({ line, col, path: "", message: `YAML syntax error: ${err.message.split("\n")[0]}` })
  }
  if (problems.length === 0) problems.push(...duplicateKeyProblems(doc, at))
  if (problems.length > 0) return fail(problems)
  if (!isMap(doc.contents)) {
    return fail([{ line: 1, col: 1, path: "", message: "Expected a YAML mapping with at least `name` and `datasets`" }])
  }

  // ${VAR} and ${VAR:-default} in every string scalar; `$$` stands for a literal `$`.
  const env = options.env ?? process.env
  visit(doc, {
    Scalar(_key, node, ancestry) {
      if (typeof node.value !== "string" || !node.value.includes("$")) return
      const original = node.value
      const replaced = original.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g, (m, name: string | undefined, hasDefault: string | undefined, def: string | undefined) => {
        if (m === "$$") return "$"
        const value = env[name!]
        if (value !== undefined && value !== "") return value
        if (hasDefault !== undefined) return def ?? ""
        problems.push({ ...at(node), path: pathText(nodePath(ancestry, node)), message: `Environment variable ${name} is not set and has no default (write \${${name}:-value} to give one)` })
        return m
      })
      // A plain scalar that is wholly one ${...} decodes as the number or boolean it became.
      const typed = node.type === "PLAIN" && /^\$\{[^}]*\}$/.test(original) && /^(-?[0-9]+(\.[0-9]+)?|true|false)$/.test(replaced)
      node.value = typed ? parseYamlValue(replaced) : replaced
    }
  })

  // --set a.b=c: typed through YAML (numbers, booleans, [lists]); positions name the flag.
  const overridden = new Map<string, string>()
  for (const assignment of options.set ?? []) {
    const eq = assignment.indexOf("=")
    if (eq <= 0) {
      problems.push({ path: "", message: `--set ${assignment}: expected path=value, e.g. --set split.eval=200` })
      continue
    }
    const key = assignment.slice(0, eq).trim()
    const raw = assignment.slice(eq + 1)
    let value: unknown
    try {
      value = raw === "" ? "" : parseYamlValue(raw)
    } catch {
      value = raw
    }
    const path = key.split(".").map((k) => (/^[0-9]+$/.test(k) ? Number(k) : k))
    doc.setIn(path, doc.createNode(value))
    overridden.set(pathText(path), assignment)
  }

  let input: unknown
  try {
    input = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (e) {
    // The parser refuses aliases that expand too far (a "billion laughs" spec); say where.
    if (!(e instanceof ReferenceError)) throw e
    const alias = expandingAlias(doc)
    return fail([{
      ...at(alias), path: alias === undefined ? "" : pathText(aliasPath(doc, alias)),
      message: `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} times the size of what they name): refused, as a spec that grows like this exhausts memory; write the values out or use fewer nested aliases`
    }])
  }
  // `image?: box.image` is `image: box.image` with `optional: [image]`: decoded in its long form.
  // A misused shorthand stops here: decoding would then report the same key again as unknown.
  const shorthand = input !== null && typeof input === "object" ? desugarOptionalFields((input as Record<string, unknown>)["datasets"]) : []
  if (shorthand.length > 0) {
    for (const p of shorthand) problems.push({ ...keyPositionOf(doc, p.path, at), path: pathText(p.path), message: p.message })
    return fail(dedupe(problems.sort(byPosition)))
  }
  const exit = Schema.decodeUnknownExit(Spec)(input, { errors: "all", onExcessProperty: "error" })
  if (Exit.isFailure(exit)) {
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
    if (error === undefined) throw new Error("spec decoding died unexpectedly")
    const formatted = SchemaIssue.makeFormatterStandardSchemaV1({ leafHook })(error.issue).issues
    // Unknown keys are listed up to a limit per mapping, then counted: 60,000 typos need one line, not 60,000.
    const unknownAt = new Map<string, { path: Array<string | number>; count: number; firstUnlisted?: Array<string | number> }>()
    for (const issue of formatted) {
      const path = (issue.path ?? []).map((p) => (typeof p === "object" && p !== null && "key" in p ? (p as { key: PropertyKey }).key : p)) as Array<string | number>
      if (issue.message === "\u0000unknown-key") {
        const parent = pathText(path.slice(0, -1))
        const seen = unknownAt.get(parent) ?? { path: path.slice(0, -1), count: 0 }
        const unlisted = seen.count >= UNKNOWN_KEYS_LISTED
        unknownAt.set(parent, { ...seen, count: seen.count + 1, ...(unlisted && seen.firstUnlisted === undefined ? { firstUnlisted: path } : {}) })
        if (unlisted) continue
      }
      problems.push(describeIssue(doc, path, issue.message, at, overridden))
    }
    for (const [parent, { path, count, firstUnlisted }] of unknownAt) {
      if (count <= UNKNOWN_KEYS_LISTED) continue
      problems.push({
        ...(firstUnlisted === undefined ? positionOf(doc, path, at) : keyPositionOf(doc, firstUnlisted, at)), path: parent,
        message: `${count - UNKNOWN_KEYS_LISTED} more unknown keys here (${count} in all; the first ${UNKNOWN_KEYS_LISTED} are listed)`
      })
    }
    problems.sort(byPosition)
    return fail(dedupe(problems))
  }
  const spec = exit.value
  const specDir = dirname(resolve(file))
  const envRoot = env["REVO_DATA_ROOT"] || undefined
  const dataRoot = resolve(specDir, options.dataRoot ?? envRoot ?? spec.data_root)

  problems.push(...crossFieldProblems(spec, doc, at))
  const locate: Locate = (path, message, opts) => {
    const text = pathText(path)
    const flag = [...overridden.entries()].find(([p]) => text === p || text.startsWith(p + "."))
    if (flag) return { path: text, message: `--set ${flag[1]}: ${message}` }
    return { ...(opts?.atKey ? keyPositionOf(doc, path, at) : positionOf(doc, path, at)), path: text, message }
  }
  for (const check of options.extraChecks ?? []) problems.push(...check(spec, { specDir, locate }))
  if (options.checkFiles !== false) problems.push(...missingFileProblems(spec, dataRoot, doc, at, options.dataRoot !== undefined || envRoot !== undefined))
  if (problems.length > 0) return fail(dedupe(problems.sort(byPosition)))

  const hash = sha256(canonicalJson(spec))
  return { _tag: "ok", value: { file: resolve(file), spec, dataRoot, hash } }
}

/** How far aliases may multiply what they name (the `yaml` parser's `maxAliasCount`). */
export const MAX_ALIAS_COUNT = 100
/** Unknown keys listed one by one per mapping; the rest are counted in one line. */
export const UNKNOWN_KEYS_LISTED = 20

/** The alias to blame for an over-expanding spec: the first whose anchor itself holds aliases, else the first alias. */
const expandingAlias = (doc: Document): Node | undefined => {
  let first: Node | undefined
  let nested: Node | undefined
  visit(doc, {
    Alias(_k, alias) {
      first ??= alias
      const target = alias.resolve(doc)
      let inner = false
      if (target !== undefined) visit(target, { Alias: () => ((inner = true), visit.BREAK) })
      if (inner) {
        nested = alias
        return visit.BREAK
      }
      return undefined
    }
  })
  return nested ?? first
}

const aliasPath = (doc: Document, target: Node): Array<string | number> => {
  let found: Array<string | number> = []
  visit(doc, {
    Alias(_k, alias, ancestry) {
      if (alias !== target) return undefined
      found = nodePath(ancestry, alias)
      return visit.BREAK
    }
  })
  return found
}

/** Duplicate keys in any mapping, each at the repeated key (linear: one set per mapping). */
const duplicateKeyProblems = (doc: Document, at: (n: unknown) => { line?: number; col?: number }): Array<SpecProblem> => {
  const problems: Array<SpecProblem> = []
  visit(doc, {
    Map(_k, map, ancestry) {
      const seen = new Map<string, Node>()
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue
        const key = String(pair.key.value)
        const first = seen.get(key)
        if (first === undefined) {
          seen.set(key, pair.key)
          continue
        }
        const path = [...nodePath(ancestry, map), key]
        const where = first.range ? ` (first declared at line ${at(first).line})` : ""
        problems.push({
          ...at(pair.key), path: pathText(path),
          message: path.length === 2 && path[0] === "datasets" ? `Duplicate dataset id "${key}"${where}` : `Duplicate key "${key}"${where}`
        })
      }
      return undefined
    }
  })
  return problems
}

/** Each mapping's pairs by key, built once: looking keys up one by one is quadratic on a big mapping. */
const pairIndex = new WeakMap<object, Map<string, Pair>>()
const pairOf = (map: YAMLMap, key: string | number): Pair | undefined => {
  let index = pairIndex.get(map)
  if (index === undefined) {
    index = new Map()
    for (const p of map.items) if (isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p)
    pairIndex.set(map, index)
  }
  return index.get(String(key))
}

const displayPath = (file: string): string => {
  const rel = relative(process.cwd(), resolve(file))
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel
}

const byPosition = (a: SpecProblem, b: SpecProblem) =>
  (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0) || a.path.localeCompare(b.path)

const dedupe = (ps: ReadonlyArray<SpecProblem>): Array<SpecProblem> => {
  const seen = new Set<string>()
  return ps.filter((p) => {
    const k = `${p.line}:${p.col}:${p.path}:${p.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

const leafHook: SchemaIssue.LeafHook = (issue) => {
  if (issue._tag === "UnexpectedKey") return "\u0000unknown-key"
  if (issue._tag === "MissingKey") return "Missing required key"
  return SchemaIssue.defaultLeafHook(issue)
}

const describeIssue = (
  doc: Document,
  path: Array<string | number>,
  message: string,
  at: (n: unknown) => { line?: number; col?: number },
  overridden: ReadonlyMap<string, string>
): SpecProblem => {
  const text = pathText(path)
  const flag = [...overridden.entries()].find(([p]) => text === p || text.startsWith(p + "."))
  const where = flag ? {} : message === "\u0000unknown-key" ? keyPositionOf(doc, path, at) : positionOf(doc, path, at)
  const prefix = flag ? `--set ${flag[1]}: ` : ""
  if (message === "\u0000unknown-key" && path.length === 2 && path[0] === "datasets") {
    return { ...where, path: text, message: `${prefix}Dataset id "${String(path[1])}" must be lowercase letters, digits, '-' or '_' (e.g. okvqa, vqa-x)` }
  }
  if (message === "\u0000unknown-key") {
    const key = String(path[path.length - 1])
    const known = knownKeysAt(path.slice(0, -1))
    const suggestion = didYouMean(key, known)
    const hint = suggestion ? ` (did you mean "${suggestion}"?)` : known.length > 0 ? ` (known keys: ${known.join(", ")})` : ""
    return { ...where, path: text, message: `${prefix}Unknown key "${key}"${hint}` }
  }
  if (message === "Missing required key") {
    return { ...positionOf(doc, path.slice(0, -1), at), path: text, message: `${prefix}Missing required key "${String(path[path.length - 1])}"` }
  }
  const node = doc.getIn(path, true)
  const actual = isScalar(node) ? node.value : isSeq(node) ? "a list" : isMap(node) ? "a mapping" : undefined
  // "got ..." helps for a wrong scalar; for a mapping or list the message itself says what is wrong.
  const got = actual === undefined || !isScalar(node) || message.includes(" got ") || !message.startsWith("Expected") ? "" : `, got ${JSON.stringify(actual)}`
  return { ...where, path: text, message: `${prefix}${message}${got}` }
}

/** The position of the value at `path`, or of its key for a missing value, or of the nearest ancestor. */
const positionOf = (doc: Document, path: ReadonlyArray<string | number>, at: (n: unknown) => { line?: number; col?: number }) => {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n)
    if (n > 0) {
      const parent = n === 1 ? doc.contents : doc.getIn(prefix.slice(0, -1), true)
      if (isMap(parent)) {
        // fields.image of a spec that writes the shorthand image? is found at image?
        const key = prefix[n - 1]!
        const pair = pairOf(parent, key) ?? (typeof key === "string" && prefix[n - 4] === "datasets" && prefix[n - 2] === "fields" ? pairOf(parent, `${key}?`) : undefined)
        if (pair && n === path.length && isNode(pair.key)) {
          const value = pair.value
          return at(isNode(value) && value.range ? value : pair.key)
        }
        if (pair && isNode(pair.key)) return at(pair.key)
      }
      const node = doc.getIn(prefix, true)
      if (isNode(node)) return at(node)
    } else {
      return at(doc.contents)
    }
  }
  return {}
}

/** The position of the key itself (for unknown keys: the typo is in the key, not the value). */
const keyPositionOf = (doc: Document, path: ReadonlyArray<string | number>, at: (n: unknown) => { line?: number; col?: number }) => {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true)
  if (isMap(parent)) {
    const pair = pairOf(parent, path[path.length - 1]!)
    if (pair && isNode(pair.key)) return at(pair.key)
  }
  return positionOf(doc, path, at)
}

/** The key path of a node found by `visit`. */
const nodePath = (ancestry: ReadonlyArray<unknown>, node: Node): Array<string | number> => {
  const path: Array<string | number> = []
  for (let i = 0; i < ancestry.length; i++) {
    const a = ancestry[i]
    const next = ancestry[i + 1] ?? node
    if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value))
    else if (isSeq(a)) path.push(a.items.indexOf(next as never))
  }
  return path
}

const crossFieldProblems = (spec: Spec, doc: Document, at: (n: unknown) => { line?: number; col?: number }): Array<SpecProblem> => {
  const problems: Array<SpecProblem> = []
  const ids = Object.keys(spec.datasets)
  const mq = spec.quality.mq ?? spec.metrics
  mq.forEach((m, i) => {
    if (!spec.metrics.includes(m)) {
      problems.push({ ...positionOf(doc, ["quality", "mq", i], at), path: `quality.mq.${i}`, message: `MQ metric "${m}" is not computed: add it to \`metrics\` (now: ${spec.metrics.join(", ")})` })
    }
  })
  for (const [id, d] of Object.entries(spec.datasets)) {
    const computed = d.metrics ?? spec.metrics
    d.mq?.forEach((m, i) => {
      if (!computed.includes(m)) {
        const where = d.metrics !== undefined ? `datasets.${id}.metrics` : "`metrics`"
        problems.push({ ...positionOf(doc, ["datasets", id, "mq", i], at), path: `datasets.${id}.mq.${i}`, message: `MQ metric "${m}" is not computed for ${id}: add it to ${where} (now: ${computed.join(", ")})` })
      }
    })
  }
  for (const id of Object.keys(spec.select.per_dataset)) {
    if (!ids.includes(id)) {
      const s = didYouMean(id, ids)
      problems.push({ ...keyPositionOf(doc, ["select", "per_dataset", id], at), path: `select.per_dataset.${id}`, message: `Dataset "${id}" is not declared in \`datasets\`${s ? ` (did you mean "${s}"?)` : ""}` })
    }
  }
  for (const [id, d] of Object.entries(spec.datasets)) {
    const generic = d.source.format === "json" || d.source.format === "jsonl" || d.source.format === "csv"
    if (generic) {
      if (d.fields?.references === undefined) {
        problems.push({ ...positionOf(doc, ["datasets", id, "source"], at), path: `datasets.${id}.fields.references`, message: `Format "${d.source.format}" needs a field mapping: add fields.references (and fields.instruction or instruction)` })
      }
      if (d.fields?.instruction === undefined && d.instruction === undefined) {
        problems.push({ ...positionOf(doc, ["datasets", id, "source"], at), path: `datasets.${id}.fields.instruction`, message: `Format "${d.source.format}" needs an instruction: add fields.instruction (a path or template) or a fixed \`instruction\`` })
      }
    }
    if (!generic && (d.fields?.instruction === undefined) !== (d.fields?.references === undefined)) {
      const has = d.fields?.instruction !== undefined ? "instruction" : "references"
      problems.push({ ...positionOf(doc, ["datasets", id, "fields", has], at), path: `datasets.${id}.fields.${has}`, message: `Format "${d.source.format}": fields.instruction and fields.references go together (a mapped single turn replacing the ${d.source.format === "llava" ? "conversation" : "captions"}); to reword the source's instruction use \`instruction: "{instruction} ..."\`` })
    }
    if (d.source.format === "coco-captions" && d.fields?.instruction === undefined && d.instruction !== undefined && /\{instruction\}/u.test(d.instruction)) {
      problems.push({ ...positionOf(doc, ["datasets", id, "instruction"], at), path: `datasets.${id}.instruction`, message: `Format "coco-captions" has no instruction of its own for {instruction}: write the instruction itself (e.g. "Describe the image briefly.")` })
    }
    if (d.source.format === "coco-captions" && d.instruction === undefined && d.fields?.instruction === undefined) {
      problems.push({ ...positionOf(doc, ["datasets", id, "source"], at), path: `datasets.${id}.instruction`, message: `Format "coco-captions" needs an \`instruction\` (e.g. "Describe the image briefly.")` })
    }
    if (d.source.delimiter !== undefined && d.source.format !== "csv") {
      problems.push({ ...positionOf(doc, ["datasets", id, "source", "delimiter"], at), path: `datasets.${id}.source.delimiter`, message: `\`delimiter\` applies to csv sources only` })
    }
    const names = d.joins.map((j) => j.as)
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) problems.push({ ...positionOf(doc, ["datasets", id, "joins", i, "as"], at), path: `datasets.${id}.joins.${i}.as`, message: `Join name "${n}" is used twice` })
    })
  }
  return problems
}

const missingFileProblems = (
  spec: Spec,
  dataRoot: string,
  doc: Document,
  at: (n: unknown) => { line?: number; col?: number },
  rootOverridden: boolean
): Array<SpecProblem> => {
  const problems: Array<SpecProblem> = []
  const rootOk = existsSync(dataRoot) && statSync(dataRoot).isDirectory()
  if (!rootOk) {
    return [{
      ...positionOf(doc, ["data_root"], at), path: "data_root",
      message: `Data root ${dataRoot} does not exist${rootOverridden ? "" : " (set data_root, REVO_DATA_ROOT or --data-root)"}`
    }]
  }
  const check = (path: Array<string | number>, p: string) => {
    if (p.startsWith("hf://")) return
    const full = resolveDataPath(dataRoot, p)
    if (!existsSync(full)) problems.push({ ...positionOf(doc, path, at), path: pathText(path), message: `File not found: ${full}` })
  }
  for (const [id, d] of Object.entries(spec.datasets)) {
    check(["datasets", id, "source", "path"], d.source.path)
    d.joins.forEach((j, i) => check(["datasets", id, "joins", i, "path"], j.path))
  }
  return problems
}

/**
 * Where a spec path is in the file (line and column of its value), for problems found after
 * loading (the data check of `revo validate`). Unknown paths give the nearest ancestor.
 */
export const specLocator = (file: string): ((path: ReadonlyArray<string | number>) => { line?: number; col?: number }) => specPositions(file).locate

/** specLocator, and whether the file itself writes a path (not a default, not a --set). */
export const specPositions = (file: string): {
  readonly locate: (path: ReadonlyArray<string | number>) => { line?: number; col?: number }
  readonly declares: (path: ReadonlyArray<string | number>) => boolean
} => {
  let text = ""
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return { locate: () => ({}), declares: () => false }
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false })
  const at = (node: unknown): { line?: number; col?: number } => {
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0])
      return { line, col }
    }
    return {}
  }
  return { locate: (path) => positionOf(doc, path, at), declares: (path) => doc.hasIn(path) }
}
