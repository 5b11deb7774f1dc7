/**
 * Finding plugins and giving both kinds one face. The runtime calls `loadPlugin`, puts
 * `identity` (name, version, kind, code hash) into task keys, and calls `tune` / `answer`.
 *
 *   loadPlugin("retrieval")            the built-in module plugin
 *   loadPlugin("hf-vlm")               a process plugin found by name under the search paths
 *   loadPlugin("./plugins/retrieval")  a process plugin by directory (or its revo-plugin.json)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs"
import { basename, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import type { Item } from "../data/sample.ts"
import {
  checkPredictions,
  Manifest,
  type ModulePlugin,
  type PluginError,
  PluginLoadError,
  PluginTaskError
} from "./contract.ts"
import { schemaProblems } from "./params-schema.ts"
import { listFiles, sha256, sha256File } from "../util/fs.ts"
import { didYouMean } from "../spec/did-you-mean.ts"
import type { ExecutorEnv } from "./executors/types.ts"
import { answerProcess, type ProcessAnswerRequest, type ProcessTuneRequest, tuneProcess } from "./process.ts"

export const MANIFEST_FILE = "revo-plugin.json"

/** The repository's plugins/ folder: the default place to look for process plugins by name. */
export const defaultPluginsDir = fileURLToPath(new URL("../../plugins", import.meta.url))

/**
 * The requests are the process runner's: `outDir` is the model dir to fill (created when absent;
 * the model is whatever files the plugin writes there), `onEvent` sees every event of a process
 * plugin, and `run` (process plugins only) carries executor, env grants, resources and adoption.
 */
export type TuneRequest = ProcessTuneRequest
export type AnswerRequest = ProcessAnswerRequest

export interface PluginIdentity {
  readonly name: string
  readonly version: string
  readonly kind: "module" | "process"
  /** sha256 (hex) over the plugin dir's files */
  readonly codeHash: string
}

export interface LoadedPlugin {
  readonly manifest: Manifest
  readonly dir: string
  readonly codeHash: string
  /** what a task key must include so a code or version change re-runs the task */
  readonly identity: PluginIdentity
  /** A process plugin's run spawns its command through the context's spawner (ExecutorEnv). */
  readonly tune: (req: TuneRequest) => Effect.Effect<void, PluginError, ExecutorEnv>
  /** item id -> prediction, checked: one per item, nothing missing or unknown */
  readonly answer: (req: AnswerRequest) => Effect.Effect<ReadonlyMap<string, string>, PluginError, ExecutorEnv>
}

// Not code: caches, bytecode, VCS and editor files.
const SKIP_DIR = new Set(["__pycache__", "node_modules", ".git", ".venv", ".pytest_cache"])
const skipFile = (f: string) => f.startsWith(".") || f.endsWith(".pyc") || f.endsWith("~")

/** The plugin dir's code files (relative, sorted): what its code hash covers. `folders`: the folders holding them. */
export const pluginCodeFiles = (dir: string, options: { readonly folders?: boolean } = {}): Array<string> =>
  listFiles(dir, { skipDir: (d) => SKIP_DIR.has(d) || d.startsWith("."), skipFile, ...options })

/** sha256 over "path\0sha256(content)\n" for every file, paths sorted: independent of mtimes and of where the dir lives. */
export const codeHashOf = (dir: string): string =>
  sha256(pluginCodeFiles(dir).map((f) => `${f}\0${sha256File(join(dir, f))}\n`).join(""))

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** A manifest read and checked, params schema included; the error message names the file. */
export const readManifestSync = (ref: string, file: string): { manifest: Manifest } | { error: string } => {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, "utf8"))
  } catch (e) {
    return { error: `plugin "${ref}": cannot read ${file}: ${messageOf(e)}` }
  }
  const exit = Schema.decodeUnknownExit(Manifest)(raw, { errors: "all", onExcessProperty: "error" })
  if (Exit.isFailure(exit)) {
    return { error: `plugin "${ref}": invalid manifest ${file}: ${Cause.pretty(exit.cause).split("\n")[0]}` }
  }
  const bad = exit.value.params === undefined ? [] : schemaProblems(exit.value.params)
  if (bad.length > 0) return { error: `plugin "${ref}": invalid manifest ${file}: ${bad.join("; ")}` }
  return { manifest: exit.value }
}

const readManifest = (ref: string, file: string): Effect.Effect<Manifest, PluginLoadError> =>
  Effect.suspend(() => {
    const r = readManifestSync(ref, file)
    return "error" in r ? Effect.fail(new PluginLoadError({ plugin: ref, message: r.error })) : Effect.succeed(r.manifest)
  })

/** Built-in module plugins, imported lazily so loading one does not load the others. */
const BUILTIN: Readonly<Record<string, { readonly dir: string; readonly load: () => Promise<ModulePlugin> }>> = {
  retrieval: {
    dir: join(defaultPluginsDir, "retrieval"),
    load: () => import("../../plugins/retrieval/index.ts").then((m) => m.plugin)
  }
}

export const builtinPlugins: ReadonlyArray<string> = Object.keys(BUILTIN)

const ensureDir = (plugin: string, task: string, dir: string) =>
  Effect.try({
    try: () => mkdirSync(dir, { recursive: true }),
    catch: (e) => new PluginTaskError({ plugin, task, cause: `cannot create ${dir}: ${messageOf(e)}` })
  })

/** Item ids must be unique within one request, or "one prediction per id" means nothing. */
const checkUniqueItems = (plugin: string, task: string, items: ReadonlyArray<Item>) =>
  Effect.suspend(() => {
    const seen = new Set<string>()
    for (const it of items) {
      if (seen.has(it.id)) return Effect.fail(new PluginTaskError({ plugin, task, cause: `duplicate item id ${it.id} in the request` }))
      seen.add(it.id)
    }
    return Effect.void
  })

/** Module plugins: same errors as process plugins; a thrown exception fails the task, not revo. */
const fromModule = (mod: ModulePlugin, dir: string, codeHash: string): LoadedPlugin => {
  const name = mod.manifest.name
  const wrap = <A>(task: string, eff: Effect.Effect<A, { readonly message: string }>) =>
    eff.pipe(
      Effect.mapError((e) => new PluginTaskError({ plugin: name, task, cause: e.message })),
      Effect.catchDefect((d) => Effect.fail(new PluginTaskError({ plugin: name, task, cause: `crashed: ${messageOf(d)}` })))
    )
  const noProgress = () => Effect.void
  return {
    manifest: mod.manifest,
    dir,
    codeHash,
    identity: { name, version: mod.manifest.version, kind: "module", codeHash },
    tune: (req) =>
      ensureDir(name, req.task.label, req.outDir).pipe(
        Effect.andThen(wrap(req.task.label, Effect.suspend(() =>
          mod.tune({ tuneSet: req.tuneSet, params: req.params, outDir: req.outDir, onProgress: req.onProgress ?? noProgress })
        )))
      ),
    answer: (req) =>
      checkUniqueItems(name, req.task.label, req.items).pipe(
        Effect.andThen(wrap(req.task.label, Effect.suspend(() =>
          mod.answer({ modelDir: req.modelDir, items: req.items, params: req.params, onProgress: req.onProgress ?? noProgress })
        ))),
        Effect.flatMap((preds) => checkPredictions(name, req.task.label, req.items, preds))
      )
  }
}

const fromProcess = (manifest: Manifest, dir: string, codeHash: string): LoadedPlugin => {
  const loaded = { manifest, dir }
  return {
    manifest,
    dir,
    codeHash,
    identity: { name: manifest.name, version: manifest.version, kind: "process", codeHash },
    tune: (req) => tuneProcess(loaded, req).pipe(Effect.asVoid),
    answer: (req) =>
      checkUniqueItems(manifest.name, req.task.label, req.items).pipe(Effect.andThen(answerProcess(loaded, req)))
  }
}

export interface PluginLoadOptions {
  /** where relative paths are resolved (e.g. the spec's folder); process.cwd() when absent */
  readonly baseDir?: string
  /** folders whose sub-folders are searched for a manifest with the wanted name; [plugins/] when absent */
  readonly searchPaths?: ReadonlyArray<string>
  /**
   * The executor the tasks will run on. A built-in module plugin runs inside revo, so on any
   * executor but `local` it is loaded in its process form (same backend, same version and code
   * hash) and its tasks really go to that executor instead of silently running here.
   */
  readonly executor?: "local" | "slurm"
}

/** A plugin reference that is a path (to its folder or manifest), not a name to search for. */
export const isPluginPath = (ref: string) => ref.includes("/") || ref.startsWith(".") || ref.endsWith(".json")

const fromDir = (ref: string, dir: string): Effect.Effect<LoadedPlugin, PluginLoadError> =>
  Effect.gen(function*() {
    const manifest = yield* readManifest(ref, join(dir, MANIFEST_FILE))
    if (manifest.kind !== "process") {
      return yield* new PluginLoadError({
        plugin: ref,
        message: `plugin "${ref}": ${join(dir, MANIFEST_FILE)} declares kind "module"; module plugins are built in (${builtinPlugins.join(", ")}), other plugins must be kind "process"`
      })
    }
    if (manifest.command === undefined) {
      return yield* new PluginLoadError({ plugin: ref, message: `plugin "${ref}": ${join(dir, MANIFEST_FILE)} has no "command"` })
    }
    const codeHash = yield* Effect.try({
      try: () => codeHashOf(dir),
      catch: (e) => new PluginLoadError({ plugin: ref, message: `plugin "${ref}": cannot hash ${dir}: ${messageOf(e)}` })
    })
    return fromProcess(manifest, dir, codeHash)
  })

/** Where a plugin reference points, found without loading any code (`revo validate` uses it). */
export type PluginLocation =
  | { readonly _tag: "builtin"; readonly dir: string; readonly manifestFile: string }
  | { readonly _tag: "process"; readonly dir: string; readonly manifestFile: string }
  | { readonly _tag: "missing"; readonly message: string; readonly suggestion?: string }

/** The names a search finds (built-in and process plugins), for "did you mean". */
const namesUnder = (searched: ReadonlyArray<string>, baseDir: string): Array<{ name: string; dir: string }> => {
  const out: Array<{ name: string; dir: string }> = []
  for (const root of searched) {
    const r = resolve(baseDir, root)
    let subs: Array<string> = []
    try {
      subs = readdirSync(r).filter((s) => statSync(join(r, s)).isDirectory()).sort()
    } catch {
      continue
    }
    for (const s of subs) {
      const f = join(r, s, MANIFEST_FILE)
      if (!existsSync(f)) continue
      // a cheap peek at the name; the full manifest is decoded by whoever loads it
      try {
        const name = (JSON.parse(readFileSync(f, "utf8")) as { name?: unknown }).name
        if (typeof name === "string") out.push({ name, dir: join(r, s) })
      } catch {
        continue
      }
    }
  }
  return out
}

export const locatePlugin = (ref: string, options: PluginLoadOptions = {}): PluginLocation => {
  const builtin = BUILTIN[ref]
  if (builtin !== undefined) return { _tag: "builtin", dir: builtin.dir, manifestFile: join(builtin.dir, MANIFEST_FILE) }
  const baseDir = options.baseDir ?? process.cwd()
  if (isPluginPath(ref)) {
    const p = resolve(baseDir, ref)
    const dir = p.endsWith(".json") ? dirname(p) : p
    if (p.endsWith(".json") && basename(p) !== MANIFEST_FILE) {
      return { _tag: "missing", message: `plugin "${ref}": a manifest must be named ${MANIFEST_FILE}` }
    }
    if (!existsSync(join(dir, MANIFEST_FILE))) return { _tag: "missing", message: `plugin "${ref}": no ${MANIFEST_FILE} in ${dir}` }
    return { _tag: "process", dir, manifestFile: join(dir, MANIFEST_FILE) }
  }
  const searched = options.searchPaths ?? [defaultPluginsDir]
  const found = namesUnder(searched, baseDir)
  const hit = found.find((f) => f.name === ref)
  if (hit) return { _tag: "process", dir: hit.dir, manifestFile: join(hit.dir, MANIFEST_FILE) }
  const suggestion = didYouMean(ref, [...new Set([...builtinPlugins, ...found.map((f) => f.name)])])
  return {
    _tag: "missing",
    message: `plugin "${ref}" not found: not built in (${builtinPlugins.join(", ")}) and no ${MANIFEST_FILE} named "${ref}" under ${searched.join(", ")}`,
    ...(suggestion !== undefined ? { suggestion } : {})
  }
}

/** Load a plugin by built-in name, by process-plugin name (searched), or by path to its dir or manifest. */
export const loadPlugin = (ref: string, options: PluginLoadOptions = {}): Effect.Effect<LoadedPlugin, PluginLoadError> =>
  Effect.gen(function*() {
    const where = locatePlugin(ref, options)
    if (where._tag === "missing") {
      const hint = where.suggestion !== undefined ? ` (did you mean "${where.suggestion}"?)` : ""
      return yield* new PluginLoadError({ plugin: ref, message: where.message + hint })
    }
    if (where._tag === "process") return yield* fromDir(ref, where.dir)
    // built in: in process on the local executor, through its process form elsewhere
    if ((options.executor ?? "local") !== "local") return yield* fromDir(ref, where.dir)
    const builtin = BUILTIN[ref]!
    const mod = yield* Effect.tryPromise({
      try: builtin.load,
      catch: (e) => new PluginLoadError({ plugin: ref, message: `plugin "${ref}": cannot load the built-in module: ${messageOf(e)}` })
    })
    const codeHash = yield* Effect.try({
      try: () => codeHashOf(builtin.dir),
      catch: (e) => new PluginLoadError({ plugin: ref, message: `plugin "${ref}": cannot hash ${builtin.dir}: ${messageOf(e)}` })
    })
    return fromModule(mod, builtin.dir, codeHash)
  })

/**
 * The plugin registry as a context reference: commands load the spec's plugin through it. By
 * default it is loadPlugin (plugins/ and the spec's folder); a test or an embedding program can
 * provide another registry with Effect.provideService(Plugins, …).
 */
export const Plugins = Context.Reference<{ readonly load: (ref: string, options?: PluginLoadOptions) => Effect.Effect<LoadedPlugin, PluginLoadError> }>(
  "revo/backends/Plugins",
  { defaultValue: () => ({ load: loadPlugin }) }
)
