/**
 * The full `revo run` path's side of the no-op proof (src/runtime/rerun-proof.ts says what a
 * proof names and why that is enough): which proof a command line owns, and recording one when
 * a run ended with every task done or cached and its report written. Recording is best effort:
 * a proof that cannot be written only costs the next run its fast path.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Option from "effect/Option"
import { defaultPluginsDir, isPluginPath, locatePlugin, MANIFEST_FILE, pluginCodeFiles } from "../backends/registry.ts"
import { filesOf } from "../data/load.ts"
import { datasetIds } from "../plan/pipeline.ts"
import type { GraphResult } from "../runtime/run-graph.ts"
import { fileEntry, type FileEntry, folderEntry, isRacy, nowNs, proofKey, proofPath, specEnvNames, writeProof } from "../runtime/rerun-proof.ts"
import type { Store } from "../runtime/store.ts"
import type { LoadedSpec } from "../spec/load.ts"
import { resolveDataPath } from "../spec/load.ts"
import { listFiles } from "../util/fs.ts"

const repoRoot = fileURLToPath(new URL("../../", import.meta.url))

/**
 * The code a run's task keys come from, as files: src/, the launcher, the package manifests, and
 * each dependency's installed package.json (the import-graph versions include their versions).
 */
const codeFiles = (): Array<string> => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string> }
  return [
    ...listFiles(join(repoRoot, "src")).map((f) => join(repoRoot, "src", f)),
    ...["bin/revo.js", "package.json", "package-lock.json"].map((f) => join(repoRoot, f)),
    ...Object.keys(pkg.dependencies ?? {}).sort().map((d) => join(repoRoot, "node_modules", d, "package.json"))
  ].filter((f) => existsSync(f))
}

export interface ProofFile {
  readonly key: string
  readonly path: string
}

/** The proof a command line owns (the fast path computes the same from the same argv). */
export const proofFileOf = (
  args: { readonly spec: string; readonly set: ReadonlyArray<string>; readonly dataRoot: Option.Option<string> },
  store: string
): ProofFile => {
  const key = proofKey({ cwd: process.cwd(), spec: resolve(args.spec), set: [...args.set], dataRoot: Option.getOrUndefined(args.dataRoot), store })
  return { key, path: proofPath(store, key) }
}

export interface FinishedRun {
  /** When the run started (ms since the epoch): inputs must be older than that, see proofEntries. */
  readonly started: number
  readonly session: { readonly loaded: LoadedSpec; readonly store: Store; readonly resultsDir: string; readonly tasks: ReadonlyArray<unknown> }
  readonly result: GraphResult
  readonly warnings: ReadonlyArray<string>
}

/** Record the proof for `proof` after a run where nothing failed and the report is in the results folder. */
export const recordRerunProof = (proof: ProofFile, run: FinishedRun): void => {
  try {
    const written = nowNs()
    const files = proofEntries(run, written)
    if (files === undefined) return
    const { loaded, resultsDir } = run.session
    const text = readFileSync(loaded.file, "utf8")
    writeProof(proof.path, written, {
      key: proof.key,
      env: Object.fromEntries(specEnvNames(text).map((n) => [n, process.env[n] ?? null])),
      files,
      tasks: [...run.result.outcomes.entries()].flatMap(([label, o]) => (o.status === "cached" || o.status === "done" ? [[label, o.key] as const] : [])),
      warnings: run.warnings,
      specFile: loaded.file,
      specHash: loaded.hash,
      resultsDir
    })
  } catch {
    // Only speed is lost: the next run takes the full path.
  }
}

/** Every file the proof names, or undefined when this run cannot be proven (a Hub source, a task that did not finish). */
const proofEntries = (run: FinishedRun, written: bigint): Array<FileEntry> | undefined => {
  const { loaded, store, resultsDir } = run.session
  const { outcomes } = run.result
  if (outcomes.size !== run.session.tasks.length) return undefined
  const data: Array<string> = []
  for (const id of datasetIds(loaded)) {
    for (const f of filesOf(loaded.spec.datasets[id]!)) {
      // A Hub source's bytes are resolved over the network: no file here proves them unchanged.
      if (f.declared.startsWith("hf://")) return undefined
      data.push(resolveDataPath(loaded.dataRoot, f.declared))
    }
  }
  const ref = loaded.spec.backend.plugin
  const plugin = locatePlugin(ref, { baseDir: dirname(loaded.file) })
  if (plugin._tag === "missing") return undefined
  const inputs = [loaded.file, ...data, ...codeFiles(), ...pluginCodeFiles(plugin.dir).map((f) => join(plugin.dir, f))]
  const folders = pluginCodeFiles(plugin.dir, { folders: true }).map((f) => join(plugin.dir, f))
  // Found by name among plugins/: another folder there could take the name (a new folder, or a manifest renamed).
  if (plugin._tag === "process" && !isPluginPath(ref)) {
    const subs = readdirSync(defaultPluginsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(defaultPluginsDir, d.name))
    folders.push(defaultPluginsDir, ...subs)
    inputs.push(...subs.map((d) => join(d, MANIFEST_FILE)).filter((f) => existsSync(f)))
  }
  const entries: Array<FileEntry> = [...[...new Set(inputs)].map((f) => fileEntry(f, written)), ...[...new Set(folders)].map(folderEntry)]
  // The run read these files somewhere between its start and now; their stats are taken only now.
  // They show what the run read only if no file changed in between: none did when none was
  // modified (mtime) or replaced or rewritten (ctime) since shortly before the run began
  // (RACY_NS covers coarse file-system clocks). A file edited that recently: no proof this time.
  if (entries.some((e) => isRacy(e, BigInt(run.started) * 1_000_000n))) return undefined
  const objects = new Map<string, string>()
  for (const [label, o] of outcomes) {
    if (o.status !== "done" && o.status !== "cached") return undefined
    entries.push(fileEntry(store.recordPath(o.key), written), fileEntry(store.labelPath(loaded.spec.name, label), written))
    for (const out of Object.values(o.outputs)) objects.set(store.objectPath(out.hash), out.hash)
    if (label === "report") for (const [name, out] of Object.entries(o.outputs)) entries.push(fileEntry(join(resultsDir, name), written, out.hash))
  }
  for (const [path, hash] of [...objects].sort(([a], [b]) => a.localeCompare(b))) entries.push(fileEntry(path, written, hash))
  return entries
}
