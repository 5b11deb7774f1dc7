/**
 * The backend plugin contract (DESIGN.md section 5): what a plugin declares (its manifest), what
 * a module plugin implements, the NDJSON events a process plugin speaks, and the typed errors a
 * failing plugin turns into. plugins/README.md is the prose version of this file.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Item, Sample } from "../data/sample.ts"

// ---------------------------------------------------------------------------------------------
// Manifest (revo-plugin.json)

export const Capability = Schema.Literals(["tune", "answer", "checkpoint"])
export type Capability = typeof Capability.Type

export const PluginResources = Schema.Struct({
  cpus: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  gpus: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /** e.g. "8G" */
  mem: Schema.optionalKey(Schema.String),
  /** e.g. "02:00:00" */
  time: Schema.optionalKey(Schema.String)
})
export type PluginResources = typeof PluginResources.Type

export const PluginName = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9._-]*$/u, { message: "plugin name must be a lowercase slug ([a-z0-9._-])" })
)

/** What a backend sees of an item: the text (instruction, context, history) and maybe the pixels. */
export const PluginInput = Schema.Literals(["text", "image"])
export type PluginInput = typeof PluginInput.Type
export const PluginInputs = Schema.Array(PluginInput).check(
  Schema.makeFilter((xs: ReadonlyArray<string>) =>
    (xs.includes("text") && new Set(xs).size === xs.length) || "Expected [text] or [text, image]"
  )
)

/**
 * A plugin's parameters as a JSON Schema (the subset src/backends/params-schema.ts checks):
 * `revo validate` checks the spec's `backend.params` against it with located errors.
 */
export const ParamsJsonSchema = Schema.Record(Schema.String, Schema.Unknown)

export class Manifest extends Schema.Class<Manifest>("revo/PluginManifest")({
  name: PluginName,
  version: Schema.NonEmptyString,
  kind: Schema.Literals(["module", "process"]),
  description: Schema.optionalKey(Schema.String),
  capabilities: Schema.Array(Capability),
  resources: Schema.optionalKey(PluginResources),
  /** process plugins: argv; "node" is revo's own node, file arguments are relative to the plugin dir */
  command: Schema.optionalKey(Schema.NonEmptyArray(Schema.String)),
  /** process plugins: names of environment variables the plugin may receive from revo's env (never secrets) */
  env: Schema.optionalKey(Schema.Array(Schema.String)),
  /** what the backend sees: [text] (e.g. BM25 over instruction + context) or [text, image]; default [text] */
  inputs: Schema.optionalKey(PluginInputs),
  /** a demonstration backend (CPU, no pixels): its numbers are not a finding; default false */
  demo: Schema.optionalKey(Schema.Boolean),
  /** JSON Schema of `backend.params`; absent: any params are passed on unchecked */
  params: Schema.optionalKey(ParamsJsonSchema)
}) {}

/** The manifest's declared inputs, [text] when it declares none (claims no pixels it was not said to see). */
export const pluginInputs = (m: Manifest): ReadonlyArray<PluginInput> => m.inputs ?? ["text"]
/** Whether the manifest declares the plugin a demo (false when undeclared). */
export const isDemo = (m: Manifest): boolean => m.demo ?? false
/** "text" or "text+image", for reports and cards. */
export const inputsLabel = (m: Manifest): string => [...pluginInputs(m)].sort((a, b) => (a === "text" ? -1 : b === "text" ? 1 : 0)).join("+")

// ---------------------------------------------------------------------------------------------
// Requests

/** JSON-valued parameters from the spec (part of the task key). */
export type Params = Readonly<Record<string, unknown>>

/** Which task asks, for messages, logs and the work dir (one per task key, kept across attempts). */
export interface TaskInfo {
  /** e.g. "tune:okvqa" or "predict:okvqa@gqa.eval" (tune set @ eval set . part) */
  readonly label: string
  /** hex task key */
  readonly key: string
  /** kept across attempts, so a process plugin can resume from its checkpoints */
  readonly workDir: string
  /** stderr of a process plugin (and executor diagnostics) are appended here */
  readonly logFile: string
}

export interface PluginProgress {
  readonly done: number
  readonly total: number
  readonly message?: string
}

export interface TuneSet {
  readonly id: string
  readonly samples: ReadonlyArray<Sample>
}

/** The interface a module plugin (TypeScript, in process) implements. */
export interface ModulePlugin {
  readonly manifest: Manifest
  /** Train on the tune set; write the model's files into outDir (which exists and is empty). */
  readonly tune: (req: {
    readonly tuneSet: TuneSet
    readonly params: Params
    readonly outDir: string
    readonly onProgress: (p: PluginProgress) => Effect.Effect<void>
  }) => Effect.Effect<void, PluginFailure>
  /** One prediction per item id, any order, nothing missing. */
  readonly answer: (req: {
    readonly modelDir: string
    readonly items: ReadonlyArray<Item>
    readonly params: Params
    readonly onProgress: (p: PluginProgress) => Effect.Effect<void>
  }) => Effect.Effect<ReadonlyMap<string, string>, PluginFailure>
}

/** What a module plugin fails with; the loader wraps it into a PluginError naming plugin and task. */
export class PluginFailure extends Schema.TaggedError<PluginFailure>()("PluginFailure", {
  message: Schema.String
}) {}

// ---------------------------------------------------------------------------------------------
// Process-plugin events (NDJSON on stdout, one object per line)

export const ProgressEvent = Schema.Struct({
  event: Schema.Literal("progress"),
  done: Schema.Number,
  total: Schema.Number,
  message: Schema.optionalKey(Schema.String)
})
export const LogEvent = Schema.Struct({
  event: Schema.Literal("log"),
  level: Schema.Literals(["debug", "info", "warn", "error"]),
  message: Schema.String
})
export const CheckpointEvent = Schema.Struct({
  event: Schema.Literal("checkpoint"),
  step: Schema.Number,
  path: Schema.String
})
/** The last word of a successful run; any extra fields (metrics, counts) are kept as given. */
export const ResultEvent = Schema.StructWithRest(Schema.Struct({ event: Schema.Literal("result") }), [
  Schema.Record(Schema.String, Schema.Unknown)
])
export const PluginEvent = Schema.Union([ProgressEvent, LogEvent, CheckpointEvent, ResultEvent])
export type PluginEvent = typeof PluginEvent.Type

/** One line of predictions.jsonl. */
export const PredictionLine = Schema.Struct({ id: Schema.String, prediction: Schema.String })

// ---------------------------------------------------------------------------------------------
// Errors a task sees. Every message starts with `plugin "<name>" (task <label>): `.

const prefix = (plugin: string, task: string) => `plugin "${plugin}" (task ${task})`

/** The plugin could not be found or its manifest is invalid. */
export class PluginLoadError extends Schema.TaggedError<PluginLoadError>()("PluginLoadError", {
  plugin: Schema.String,
  message: Schema.String
}) {}

/** A module plugin failed, or revo could not prepare / read a process plugin's files. */
export class PluginTaskError extends Schema.TaggedError<PluginTaskError>()("PluginTaskError", {
  plugin: Schema.String,
  task: Schema.String,
  cause: Schema.String
}) {
  override get message() {
    return `${prefix(this.plugin, this.task)}: ${this.cause}`
  }
}

/** The process exited non-zero or was killed (a crash). */
export class PluginExitError extends Schema.TaggedError<PluginExitError>()("PluginExitError", {
  plugin: Schema.String,
  task: Schema.String,
  exitCode: Schema.Number,
  /** the signal that killed it, as the executor names it (e.g. "SIGKILL") */
  signal: Schema.optionalKey(Schema.String),
  /** the scheduler's final state, where there is one (Slurm: FAILED, TIMEOUT, OUT_OF_MEMORY, ...) */
  state: Schema.optionalKey(Schema.String),
  stderrTail: Schema.String
}) {
  override get message() {
    const state = this.state !== undefined ? `, state ${this.state}` : ""
    const how = this.signal !== undefined
      ? `was killed by ${this.signal} (exit code ${this.exitCode}${state})`
      : this.exitCode > 128 && this.exitCode < 160
      ? `was killed by signal ${this.exitCode - 128} (exit code ${this.exitCode}${state})`
      : `exited with code ${this.exitCode}${state === "" ? "" : ` (${state.slice(2)})`}`
    const tail = this.stderrTail.length > 0 ? `; last lines of stderr:\n${this.stderrTail}` : "; stderr was empty"
    return `${prefix(this.plugin, this.task)}: ${how}${tail}`
  }
}

/** stdout held a line that is not JSON, or not a known event. */
export class PluginProtocolError extends Schema.TaggedError<PluginProtocolError>()("PluginProtocolError", {
  plugin: Schema.String,
  task: Schema.String,
  line: Schema.Number,
  cause: Schema.String
}) {
  override get message() {
    return `${prefix(this.plugin, this.task)}: bad event on stdout line ${this.line}: ${this.cause}`
  }
}

/** The outputs are incomplete: no result event, missing/unknown/duplicate predictions. */
export class PluginOutputError extends Schema.TaggedError<PluginOutputError>()("PluginOutputError", {
  plugin: Schema.String,
  task: Schema.String,
  cause: Schema.String
}) {
  override get message() {
    return `${prefix(this.plugin, this.task)}: ${this.cause}`
  }
}

export type PluginError = PluginLoadError | PluginTaskError | PluginExitError | PluginProtocolError | PluginOutputError

/**
 * The runner's check on answers: one prediction per item id, nothing missing, nothing unknown.
 * Shared by both kinds so a module plugin is held to the same contract as a process plugin.
 */
export const checkPredictions = (
  plugin: string,
  task: string,
  items: ReadonlyArray<Item>,
  predictions: ReadonlyMap<string, string>
): Effect.Effect<ReadonlyMap<string, string>, PluginOutputError> =>
  Effect.suspend(() => {
    const missing: Array<string> = []
    const wanted = new Set<string>()
    for (const it of items) {
      wanted.add(it.id)
      if (!predictions.has(it.id)) missing.push(it.id)
    }
    if (missing.length > 0) {
      return Effect.fail(
        new PluginOutputError({
          plugin,
          task,
          cause: `missing predictions for ${missing.length} of ${items.length} items (first: ${
            missing.slice(0, 5).join(", ")
          })`
        })
      )
    }
    const unknown: Array<string> = []
    for (const id of predictions.keys()) if (!wanted.has(id)) unknown.push(id)
    if (unknown.length > 0) {
      return Effect.fail(
        new PluginOutputError({
          plugin,
          task,
          cause: `${unknown.length} predictions for unknown item ids (first: ${unknown.slice(0, 5).join(", ")})`
        })
      )
    }
    return Effect.succeed(predictions)
  })
