/**
 * The process-plugin runner: revo speaks to a plugin in any language through files in the
 * task's work dir and NDJSON events on its stdout (plugins/README.md is the contract in prose).
 *
 *   workDir/request.json       {protocol, op, plugin, task, params, workDir, checkpointDir, inputs, outputs}
 *   workDir/tune.jsonl         tune: one Sample per line
 *   workDir/items.jsonl        answer: one Item per line
 *   workDir/predictions.jsonl  answer: written by the plugin, {id, prediction} per line
 *   workDir/checkpoints/       the plugin's own; kept across attempts so it can resume
 *
 * The command runs through an Executor (local or Slurm); stderr lands in the task's log.
 */
import { createReadStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync, statSync } from "node:fs"
import { isAbsolute, join, resolve } from "node:path"
import { createInterface } from "node:readline"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { writeFileAtomic } from "../util/fs.ts"
import { redact, secretValues } from "../util/redact.ts"
import type { Item, Sample } from "../data/sample.ts"
import {
  checkPredictions,
  type Manifest,
  type Params,
  PluginEvent,
  PluginExitError,
  PluginOutputError,
  PluginProtocolError,
  PluginTaskError,
  PredictionLine,
  type PluginProgress,
  type TaskInfo,
  type TuneSet
} from "./contract.ts"
import { slurmDir } from "./executors/slurm-script.ts"
import type { Executor, ExecutorEnv, ExecutorError, JobHandle, Resources } from "./executors/types.ts"

export const PROTOCOL_VERSION = 1

/** Per-call options of a process plugin run (ignored by module plugins). */
export interface ProcessRunOptions {
  /** where the command runs; the local executor when absent */
  readonly executor?: Executor<ExecutorError>
  /** names of revo's environment variables the spec grants the plugin (e.g. "HF_TOKEN") */
  readonly grantEnv?: ReadonlyArray<string>
  /** explicit variables from the spec */
  readonly env?: Readonly<Record<string, string>>
  /** overrides the manifest's default resources */
  readonly resources?: Resources
  /** a job handle recorded by an earlier revo process (see Executor.run) */
  readonly adopt?: JobHandle
  readonly onSubmitted?: (handle: JobHandle) => Effect.Effect<void>
  /** the environment grants are read from (tests); process.env when absent */
  readonly parentEnv?: Readonly<Record<string, string | undefined>>
}

export interface ProcessTuneRequest {
  readonly task: TaskInfo
  readonly tuneSet: TuneSet
  readonly params: Params
  readonly outDir: string
  readonly onProgress?: (p: PluginProgress) => Effect.Effect<void>
  readonly onEvent?: (e: PluginEvent) => Effect.Effect<void>
  readonly run?: ProcessRunOptions
}

export interface ProcessAnswerRequest {
  readonly task: TaskInfo
  readonly modelDir: string
  readonly items: ReadonlyArray<Item>
  readonly params: Params
  readonly onProgress?: (p: PluginProgress) => Effect.Effect<void>
  readonly onEvent?: (e: PluginEvent) => Effect.Effect<void>
  readonly run?: ProcessRunOptions
}

export type ProcessError = PluginTaskError | PluginExitError | PluginProtocolError | PluginOutputError

/** The variables every plugin gets (when revo has them); everything else must be granted. */
export const BASE_ENV = ["PATH", "HOME", "LANG"] as const
/** Names a manifest cannot ask for by itself: only the spec can grant them. */
const SECRET = /TOKEN|SECRET|PASSWORD|CREDENTIAL/i

/** The plugin's complete environment: base names, the manifest's non-secret names, the spec's grants and values, and revo's protocol variables. */
export const pluginEnv = (
  manifest: Manifest,
  dir: string,
  requestPath: string,
  run: ProcessRunOptions | undefined
): Record<string, string> => {
  const parent = run?.parentEnv ?? process.env
  const env: Record<string, string> = {}
  const take = (name: string) => {
    const v = parent[name]
    if (v !== undefined) env[name] = v
  }
  for (const n of BASE_ENV) take(n)
  for (const n of manifest.env ?? []) if (!SECRET.test(n)) take(n)
  for (const n of run?.grantEnv ?? []) take(n)
  Object.assign(env, run?.env ?? {})
  env["REVO_REQUEST"] = requestPath
  env["REVO_PLUGIN_DIR"] = dir
  return env
}

/** argv from the manifest: "node" is revo's own node; arguments naming files in the plugin dir become absolute. */
export const resolveCommand = (command: ReadonlyArray<string>, dir: string): Array<string> =>
  command.map((arg, i) => {
    if (i === 0 && arg === "node") return process.execPath
    if (isAbsolute(arg) || arg.startsWith("-")) return arg
    const p = resolve(dir, arg)
    return existsSync(p) && (i > 0 || arg.includes("/")) ? p : arg
  })


const jsonl = (rows: ReadonlyArray<unknown>): string => {
  let s = ""
  for (const r of rows) s += JSON.stringify(r) + "\n"
  return s
}

/** The last `n` lines the plugin wrote to the log since byte offset `from` (this attempt only). */
const logTail = (logFile: string, from: number, n = 20): string => {
  try {
    const size = statSync(logFile).size
    const start = Math.max(from, size - 64 * 1024)
    const buf = Buffer.alloc(size - start)
    const fd = openSync(logFile, "r")
    try {
      readSync(fd, buf, 0, buf.length, start)
    } finally {
      closeSync(fd)
    }
    return buf.toString("utf8").trimEnd().split("\n").slice(-n).join("\n")
  } catch {
    return ""
  }
}

const sizeOf = (f: string) => {
  try {
    return statSync(f).size
  } catch {
    return 0
  }
}

interface Loaded {
  readonly manifest: Manifest
  readonly dir: string
}

type Op =
  | { readonly op: "tune"; readonly inputs: Record<string, unknown>; readonly outputs: Record<string, unknown> }
  | { readonly op: "answer"; readonly inputs: Record<string, unknown>; readonly outputs: Record<string, unknown> }

/**
 * Write the request, run the command, decode its events. Succeeds with the result event once
 * the plugin exits 0 having sent one; a bad stdout line stops the plugin at once.
 */
const runPlugin = (
  plugin: Loaded,
  task: TaskInfo,
  params: Params,
  op: Op,
  prepare: () => void,
  /** clears a previous attempt's outputs; run by the executor only before it starts a new job */
  clean: (() => void) | undefined,
  hooks: {
    readonly onProgress: ((p: PluginProgress) => Effect.Effect<void>) | undefined
    readonly onEvent: ((e: PluginEvent) => Effect.Effect<void>) | undefined
    readonly run: ProcessRunOptions | undefined
  }
): Effect.Effect<Readonly<Record<string, unknown>>, ProcessError, ExecutorEnv> =>
  Effect.gen(function*() {
    const name = plugin.manifest.name
    const label = task.label
    const taskError = (what: string) => (e: unknown) =>
      new PluginTaskError({ plugin: name, task: label, cause: `${what}: ${e instanceof Error ? e.message : String(e)}` })
    const command = plugin.manifest.command
    if (command === undefined) {
      return yield* new PluginTaskError({ plugin: name, task: label, cause: "manifest has no command" })
    }
    const workDir = resolve(task.workDir)
    const requestPath = join(workDir, "request.json")
    const env = pluginEnv(plugin.manifest, plugin.dir, requestPath, hooks.run)
    // Everything revo writes from this plugin (log, events, records, messages) masks these.
    const secrets = secretValues(env)
    const mask = (text: string) => redact(text, secrets)
    yield* Effect.try({
      try: () => {
        mkdirSync(join(workDir, "checkpoints"), { recursive: true })
        prepare()
        writeFileAtomic(
          requestPath,
          JSON.stringify({
            protocol: PROTOCOL_VERSION,
            op: op.op,
            plugin: { name, version: plugin.manifest.version },
            task: { label, key: task.key },
            params,
            workDir,
            checkpointDir: join(workDir, "checkpoints"),
            inputs: op.inputs,
            outputs: op.outputs
          }, null, 2) + "\n"
        )
      },
      catch: taskError(`cannot write the request into ${workDir}`)
    })

    // The plugin's stderr from this attempt on (an adopted job's began before this process did).
    const logStart = hooks.run?.adopt !== undefined ? 0 : sizeOf(task.logFile)
    const failed = yield* Deferred.make<never, PluginProtocolError>()
    let lineNo = 0
    let result: Readonly<Record<string, unknown>> | undefined
    const decode = Schema.decodeUnknownSync(PluginEvent)
    const onStdoutLine = (rawLine: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        lineNo++
        if (rawLine.trim() === "") return Effect.void
        const line = mask(rawLine)
        const protocolError = (cause: string) =>
          Deferred.fail(failed, new PluginProtocolError({ plugin: name, task: label, line: lineNo, cause })).pipe(Effect.asVoid)
        let raw: unknown
        try {
          raw = JSON.parse(line)
        } catch {
          return protocolError(`not JSON: ${JSON.stringify(line.length > 120 ? line.slice(0, 120) + "..." : line)}`)
        }
        let e: PluginEvent
        try {
          e = decode(raw)
        } catch (err) {
          const why = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ")
          return protocolError(`not a valid event (${why}): ${line.length > 120 ? line.slice(0, 120) + "..." : line}`)
        }
        if (e.event === "result") result = e
        const progress = e.event === "progress" && hooks.onProgress !== undefined
          ? hooks.onProgress(e.message === undefined ? { done: e.done, total: e.total } : { done: e.done, total: e.total, message: e.message })
          : Effect.void
        return Effect.andThen(progress, hooks.onEvent === undefined ? Effect.void : hooks.onEvent(e))
      })

    const onOverlongLine = (limit: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        lineNo++
        return Deferred.fail(failed, new PluginProtocolError({
          plugin: name,
          task: label,
          line: lineNo,
          cause: `line longer than ${limit} bytes, which revo does not read (an event must fit in one line; write large outputs to files and name them in the result)`
        })).pipe(Effect.asVoid)
      })

    const executor = hooks.run?.executor ?? (yield* Effect.promise(() => import("./executors/local.ts"))).localExecutor
    const job = {
      label,
      taskKey: task.key,
      command: resolveCommand(command, plugin.dir),
      cwd: workDir,
      env,
      secrets,
      logFile: task.logFile,
      resources: { ...plugin.manifest.resources, ...hooks.run?.resources }
    }
    const exitError = (exitCode: number, state: string | undefined, signal: string | undefined) =>
      new PluginExitError({
        plugin: name,
        task: label,
        exitCode,
        ...(state !== undefined ? { state } : {}),
        ...(signal !== undefined ? { signal } : {}),
        stderrTail: logTail(task.logFile, logStart)
      })
    const jobFailure = (message: string) => {
      const tail = logTail(task.logFile, logStart)
      return new PluginTaskError({ plugin: name, task: label, cause: `${message}${tail.length > 0 ? `; last lines of stderr:\n${tail}` : "; stderr was empty"}` })
    }
    const executorFailure = (message: string) => new PluginTaskError({ plugin: name, task: label, cause: `executor ${executor.kind} failed: ${message}` })
    // The local executor masks stderr as it arrives; others write the log themselves (Slurm's
    // --error file), so it is masked once the job has ended.
    // Slurm's stdout file (.revo-slurm/<job>.out, read back line by line) is masked the same way.
    const maskLog = executor.kind === "local" || secrets.length === 0 ? Effect.void : Effect.sync(() => {
      redactLog(task.logFile, logStart, secrets)
      for (const out of listOutFiles(slurmDir(workDir))) redactLog(out, 0, secrets)
    })
    const ran = executor.run(job, {
      onStdoutLine,
      onOverlongLine,
      onSubmitted: hooks.run?.onSubmitted ?? (() => Effect.void),
      // An adopted job's `result` line may have been read by the revo that died: read it all again.
      replayOnAdopt: true,
      // An adopted job may already have written this attempt's outputs; only a new job clears them.
      ...(clean === undefined ? {} : { beforeStart: Effect.sync(clean) })
    }, hooks.run?.adopt).pipe(
      Effect.catchTags({
        // A job that ended badly with its id (Slurm's, or a local job past its time limit): its own
        // message names the job and its final state, which the user needs to look it up.
        SlurmJobFailed: (e) => Effect.fail(jobFailure(e.message)),
        SlurmJobLost: (e) => Effect.fail(jobFailure(e.message)),
        SlurmControllerUnavailable: (e) => Effect.fail(jobFailure(e.message)),
        LocalJobTimedOut: (e) => Effect.fail(jobFailure(e.message)),
        // A local process that exited non-zero or was killed: the plugin's exit code.
        LocalJobFailed: (e) => Effect.fail(exitError(e.exitCode, undefined, e.signal)),
        // Nothing ran: the executor could not start or submit the job.
        LocalSpawnFailed: (e) => Effect.fail(executorFailure(e.message)),
        SlurmSubmitFailed: (e) => Effect.fail(executorFailure(e.message))
      })
    )
    // A protocol error wins the race and interrupts the job (the executor kills its process group).
    const jobResult = yield* Effect.raceFirst(ran.pipe(Effect.ensuring(maskLog)), Deferred.await(failed))
    // Lines decoded after the exit was seen still count.
    if (yield* Deferred.isDone(failed)) yield* Deferred.await(failed)
    if (jobResult.exitCode !== 0) return yield* exitError(jobResult.exitCode, jobResult.state, undefined)
    if (result === undefined) {
      return yield* new PluginOutputError({
        plugin: name,
        task: label,
        cause: `exited 0 without a result event (${lineNo} stdout lines read)`
      })
    }
    return result
  }).pipe(Effect.mapError((e) => maskError(e, secretValues(pluginEnv(plugin.manifest, plugin.dir, "", hooks.run)))))

/** The same error with every secret masked in its text fields (they reach records, events and the terminal). */
const maskError = <E extends ProcessError>(e: E, secrets: ReadonlyArray<string>): E => {
  switch (e._tag) {
    case "PluginExitError":
      return new PluginExitError({ ...e, stderrTail: redact(e.stderrTail, secrets) }) as E
    case "PluginTaskError":
      return new PluginTaskError({ ...e, cause: redact(e.cause, secrets) }) as E
    case "PluginProtocolError":
      return new PluginProtocolError({ ...e, cause: redact(e.cause, secrets) }) as E
    case "PluginOutputError":
      return new PluginOutputError({ ...e, cause: redact(e.cause, secrets) }) as E
  }
  return e
}

const listOutFiles = (dir: string): Array<string> => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".out")).map((f) => join(dir, f))
  } catch {
    return []
  }
}

/** Mask secrets in the part of a log written since `from` (for executors that write it themselves). */
const redactLog = (logFile: string, from: number, secrets: ReadonlyArray<string>): void => {
  try {
    const all = readFileSync(logFile)
    const head = all.subarray(0, Math.min(from, all.length))
    const tail = all.subarray(head.length).toString("utf8")
    const masked = redact(tail, secrets)
    if (masked !== tail) writeFileAtomic(logFile, Buffer.concat([head, Buffer.from(masked)]))
  } catch {
    // no log yet: nothing to mask
  }
}

/** Tune: write tune.jsonl and the request, run the plugin, which writes the model into outDir. */
export const tuneProcess = (plugin: Loaded, req: ProcessTuneRequest): Effect.Effect<Readonly<Record<string, unknown>>, ProcessError, ExecutorEnv> => {
  const workDir = resolve(req.task.workDir)
  const tunePath = join(workDir, "tune.jsonl")
  const outDir = resolve(req.outDir)
  return runPlugin(
    plugin,
    req.task,
    req.params,
    {
      op: "tune",
      inputs: { tuneSet: tunePath, tuneSetId: req.tuneSet.id, count: req.tuneSet.samples.length },
      outputs: { modelDir: outDir }
    },
    () => {
      mkdirSync(outDir, { recursive: true })
      writeFileAtomic(tunePath, jsonl(req.tuneSet.samples as ReadonlyArray<Sample>))
    },
    undefined,
    { onProgress: req.onProgress, onEvent: req.onEvent, run: req.run }
  )
}

/** Read predictions.jsonl: each line {id, prediction}; a duplicate id is an error, not a silent overwrite. */
const readPredictions = (plugin: string, task: string, path: string): Effect.Effect<Map<string, string>, PluginOutputError> =>
  Effect.gen(function*() {
    const outputError = (cause: string) => new PluginOutputError({ plugin, task, cause })
    if (!existsSync(path)) return yield* outputError(`exited 0 but wrote no predictions file (${path})`)
    const decode = Schema.decodeUnknownExit(PredictionLine)
    const out = new Map<string, string>()
    const problem = yield* Effect.tryPromise({
      try: async () => {
        let n = 0
        for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
          n++
          if (line.trim() === "") continue
          let raw: unknown
          try {
            raw = JSON.parse(line)
          } catch {
            return `predictions.jsonl line ${n} is not JSON`
          }
          const p = decode(raw)
          if (p._tag === "Failure") return `predictions.jsonl line ${n} is not {"id": string, "prediction": string}`
          if (out.has(p.value.id)) return `predictions.jsonl line ${n}: duplicate prediction for item ${p.value.id}`
          out.set(p.value.id, p.value.prediction)
        }
        return undefined
      },
      catch: (e) => outputError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`)
    })
    if (problem !== undefined) return yield* outputError(problem)
    return out
  })

/** Answer: write items.jsonl and the request, run the plugin, read and check predictions.jsonl. */
export const answerProcess = (plugin: Loaded, req: ProcessAnswerRequest): Effect.Effect<ReadonlyMap<string, string>, ProcessError, ExecutorEnv> => {
  const workDir = resolve(req.task.workDir)
  const itemsPath = join(workDir, "items.jsonl")
  const predictionsPath = join(workDir, "predictions.jsonl")
  return runPlugin(
    plugin,
    req.task,
    req.params,
    {
      op: "answer",
      inputs: { items: itemsPath, modelDir: resolve(req.modelDir), count: req.items.length },
      outputs: { predictions: predictionsPath }
    },
    () => writeFileAtomic(itemsPath, jsonl(req.items)),
    // a stale file from an earlier attempt must never be taken for this attempt's output
    () => rmSync(predictionsPath, { force: true }),
    { onProgress: req.onProgress, onEvent: req.onEvent, run: req.run }
  ).pipe(
    Effect.andThen(readPredictions(plugin.manifest.name, req.task.label, predictionsPath)),
    Effect.andThen((preds) => checkPredictions(plugin.manifest.name, req.task.label, req.items, preds))
  )
}
