/**
 * Tune and predict tasks: the backend plugin behind the task contract. A tuned model is the
 * set of files the plugin wrote; each file goes into the store by content and the task's
 * output is their manifest, so a model can be materialised again anywhere from the store.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { PluginEvent } from "../backends/contract.ts"
import type { Executor, ExecutorError, Resources } from "../backends/executors/types.ts"
import type { LoadedPlugin } from "../backends/registry.ts"
import { itemsOf, type Sample } from "../data/sample.ts"
import { Executors } from "./executor.ts"
import { isTransient } from "./transient.ts"
import type { Spec } from "../spec/schema.ts"
import { type Output, output, type RunContext, type Step, TaskFailure } from "../runtime/task.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { listFiles } from "../util/fs.ts"
import { type Predictions, PredictionsSchema } from "./predictions.ts"
import { implementationVersion } from "../util/import-graph.ts"
import { asStorageFailure } from "../runtime/storage-failure.ts"
import { sha256, type Store } from "../runtime/store.ts"

/** The hash of every module this file loads, transitively (src/util/import-graph.ts). */
export const MODEL_STEP_VERSION = implementationVersion(import.meta.url)

interface ModelManifest {
  readonly plugin: string
  readonly files: Readonly<Record<string, string>>
}

/** A tuned model's manifest: the plugin and each file's hash (the files are outputs of their own). */
const ModelManifestSchema: Schema.Decoder<ModelManifest> = Schema.Struct({ plugin: Schema.String, files: Schema.Record(Schema.String, Schema.String) })

export type { Predictions } from "./predictions.ts"

export interface TuneOutputs {
  readonly model: Output<ModelManifest>
}

export interface PredictOutputs {
  readonly predictions: Output<Predictions>
}

const identityParams = (plugin: LoadedPlugin, spec: Spec) => ({
  plugin: plugin.identity,
  params: spec.backend.params
})

/**
 * The task's own resources (spec `backend.resources`). Slurm's defaults (partition, gres, cpus,
 * mem, time, extra_args) live in the executor built from `backend.executor`, which merges these
 * over them key by key; copying them here too would pass extra_args to sbatch twice.
 */
const resourcesOf = (spec: Spec): Resources => {
  const r = spec.backend.resources
  return {
    ...(r.cpus !== undefined ? { cpus: r.cpus } : {}),
    ...(r.mem !== undefined ? { mem: r.mem } : {}),
    ...(r.time !== undefined ? { time: r.time } : {}),
    ...(r.gpus !== undefined ? { gpus: r.gpus } : {})
  }
}

const runOptions = (plugin: LoadedPlugin, spec: Spec, ctx: RunContext, executor: Executor<ExecutorError>) =>
  plugin.manifest.kind === "process"
    ? {
      run: {
        executor,
        grantEnv: spec.backend.env,
        resources: resourcesOf(spec),
        ...(ctx.adopt ? { adopt: ctx.adopt } : {}),
        onSubmitted: ctx.recordJob
      }
    }
    : {}

/** A process plugin's `log` events go into the run's events. */
const recordLog = (ctx: RunContext, e: PluginEvent): Effect.Effect<void> =>
  e.event === "log" ? Effect.sync(() => ctx.pluginLog(e.level, e.message)) : Effect.void

const failure = (e: { readonly message: string; readonly _tag?: string }) => new TaskFailure({ message: e.message, ...(isTransient(e) ? { transient: true } : {}) })


export const tuneStep = (tuneSet: string, plugin: LoadedPlugin, spec: Spec, train: Output<ReadonlyArray<Sample>>): Step<TuneOutputs> => ({
  label: `tune:${tuneSet}`,
  out: { model: output(`tune:${tuneSet}`, "model", ModelManifestSchema) },
  kind: "tune",
  version: MODEL_STEP_VERSION,
  params: { tuneSet, ...identityParams(plugin, spec) },
  inputs: { train },
  resource: plugin.manifest.resources?.gpus ? "gpu" : "cpu",
  run: (ctx) =>
    Effect.gen(function*() {
      const samples = yield* ctx.read(train)
      // The model dir lives in the task's work dir; a process plugin keeps its checkpoints beside it.
      const outDir = join(ctx.workDir, "model")
      if (plugin.manifest.kind === "module") rmSync(outDir, { recursive: true, force: true })
      mkdirSync(outDir, { recursive: true })
      yield* plugin.tune({
        task: { label: ctx.label, key: ctx.key, workDir: ctx.workDir, logFile: ctx.logFile },
        tuneSet: { id: tuneSet, samples },
        params: spec.backend.params,
        outDir,
        onProgress: (p) => Effect.sync(() => ctx.progress(p.done, p.total, p.message)),
        onEvent: (e) => recordLog(ctx, e),
        ...runOptions(plugin, spec, ctx, (yield* Executors).forSpec(spec))
      }).pipe(Effect.mapError(failure))
      const files = listFiles(outDir)
      if (files.length === 0) return yield* new TaskFailure({ message: `plugin ${plugin.manifest.name} wrote no model files for ${ctx.label}` })
      return modelOutputs(outDir, plugin.manifest.name)
    })
})

/**
 * A tuned model as task outputs: `model` is the manifest (file names to hashes, what downstream
 * keys hash), and every file is an output of its own (`model/<path>`), so the store hashes,
 * records and verifies each one like any other output: a damaged model file makes the tune
 * task damaged (recomputed), never a silently different answer.
 */
export const modelOutputs = (outDir: string, plugin: string): Record<string, string | Uint8Array> => {
  const files: Record<string, string> = {}
  const outputs: Record<string, string | Uint8Array> = {}
  for (const f of listFiles(outDir)) {
    const bytes = readFileSync(join(outDir, f))
    files[f] = sha256(bytes)
    outputs[`model/${f}`] = bytes
  }
  outputs["model"] = canonicalJson({ plugin, files } satisfies ModelManifest)
  return outputs
}

/** Model dirs verified by this process (a dir is hashed once per run, not once per predict). */
const verifiedModels = new Set<string>()

/** Does `dir` hold exactly the manifest's bytes (every file present, same sha256)? */
const modelDirMatches = (dir: string, manifest: ModelManifest): boolean =>
  Object.entries(manifest.files).every(([rel, hash]) => {
    try {
      return sha256(readFileSync(join(dir, rel))) === hash
    } catch {
      return false
    }
  })

/**
 * Materialise a model from the store into `modelsDir/<manifest hash>/` (atomic; files read-only).
 * An existing copy is verified against the manifest first (once per process) and rebuilt when
 * any file differs, so a damaged copy cannot outlive `--force 'tune:…'` or a rerun. A copy whose
 * source object is itself damaged is refused with the way out.
 */
export const materialiseModel = (store: Store, modelsDir: string, manifestHash: string, manifest: ModelManifest): string => {
  const dir = join(modelsDir, manifestHash)
  if (verifiedModels.has(dir) && existsSync(dir)) return dir
  if (existsSync(dir) && modelDirMatches(dir, manifest)) {
    verifiedModels.add(dir)
    return dir
  }
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  for (const [rel, hash] of Object.entries(manifest.files)) {
    const target = join(tmp, rel)
    const bytes = readFileSync(store.objectPath(hash))
    if (sha256(bytes) !== hash) {
      rmSync(tmp, { recursive: true, force: true })
      throw new ModelDamaged({ file: rel, object: store.objectPath(hash) })
    }
    try {
      mkdirSync(dirname(target), { recursive: true })
      writeFileSync(target, bytes, { mode: 0o444 })
    } catch (e) {
      // A full disk leaves no half-copied model behind.
      rmSync(tmp, { recursive: true, force: true })
      throw asStorageFailure(e, target)
    }
  }
  if (existsSync(dir)) {
    // A damaged copy: move it aside first (rename is atomic), then drop it.
    const stale = `${dir}.stale-${process.pid}`
    rmSync(stale, { recursive: true, force: true })
    renameSync(dir, stale)
    rmSync(stale, { recursive: true, force: true })
  }
  renameSync(tmp, dir)
  verifiedModels.add(dir)
  return dir
}

/** A model file whose stored object does not hash to its name. */
export class ModelDamaged extends Error {
  readonly file: string
  readonly object: string
  constructor(args: { readonly file: string; readonly object: string }) {
    super(`model file ${args.file} is damaged in the store (${args.object} does not match its hash); run \`revo verify --repair\` and then the same \`revo run\` to recompute the model`)
    this.file = args.file
    this.object = args.object
  }
}

export const predictStep = (
  tuneSet: string,
  evalPart: string,
  plugin: LoadedPlugin,
  spec: Spec,
  model: TuneOutputs["model"],
  items: Output<ReadonlyArray<Sample>>,
  store: Store,
  modelsDir: string
): Step<PredictOutputs> => ({
  label: `predict:${tuneSet}@${evalPart}`,
  out: { predictions: output(`predict:${tuneSet}@${evalPart}`, "predictions", PredictionsSchema) },
  kind: "predict",
  version: MODEL_STEP_VERSION,
  params: identityParams(plugin, spec),
  inputs: { model, items },
  resource: plugin.manifest.resources?.gpus ? "gpu" : "cpu",
  run: (ctx) =>
    Effect.gen(function*() {
      const manifest = yield* ctx.read(model)
      const manifestHash = yield* ctx.hashOf(model)
      const modelDir = yield* Effect.try({
        try: () => materialiseModel(store, modelsDir, manifestHash, manifest),
        catch: (e) => new TaskFailure({ message: `cannot materialise its model: ${e instanceof Error ? e.message : String(e)}` })
      })
      const evalItems = (yield* ctx.read(items)).flatMap(itemsOf)
      const answers = yield* plugin.answer({
        task: { label: ctx.label, key: ctx.key, workDir: ctx.workDir, logFile: ctx.logFile },
        modelDir,
        items: evalItems,
        params: spec.backend.params,
        onProgress: (p) => Effect.sync(() => ctx.progress(p.done, p.total, p.message)),
        onEvent: (e) => recordLog(ctx, e),
        ...runOptions(plugin, spec, ctx, (yield* Executors).forSpec(spec))
      }).pipe(Effect.mapError(failure))
      const out: Record<string, string> = {}
      for (const it of evalItems) out[it.id] = answers.get(it.id)!
      return { predictions: canonicalJson(out) }
    })
})

