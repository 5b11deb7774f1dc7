/**
 * The task model. A task names its inputs as (task, output) references; its key hashes its
 * kind, implementation version, parameters and the *content hashes* of those inputs. So an
 * upstream task that reruns but produces the same bytes does not invalidate anything
 * downstream (early cutoff), and editing one dataset reruns only what its bytes reach.
 * Resources (threads, GPUs, time limits) are never part of the key.
 */
import type { Effect } from "effect"
import * as Schema from "effect/Schema"
import type { ExecutorEnv, JobHandle } from "../backends/executors/types.ts"
import { canonicalJson } from "../util/canonical-json.ts"
import { sha256 } from "./store.ts"

export const TaskKinds = ["load", "split", "tune", "predict", "score", "aggregate", "sq", "select", "proof", "report"] as const
export type TaskKind = (typeof TaskKinds)[number]

export interface OutputRef {
  readonly task: string
  readonly output: string
}

/**
 * A task's output as its consumers see it: which task, which output, and the Schema its JSON
 * decodes by. Producing steps make these (src/plan/steps-*.ts) and consumers take them, so no
 * consumer spells another task's label or output name, and what a task reads is checked
 * against the format its producer declared (RunContext.read).
 */
export interface Output<A> extends OutputRef {
  readonly schema: Schema.Decoder<A>
}

export const output = <A>(task: string, name: string, schema: Schema.Decoder<A>): Output<A> => ({ task, output: name, schema })

/** A planned task and the handles of its outputs. */
export type Step<O> = TaskSpec & { readonly out: O }

export type Outputs = Readonly<Record<string, string | Uint8Array>>

export interface RunContext {
  readonly key: string
  readonly label: string
  readonly attempt: number
  readonly workDir: string
  readonly logFile: string
  /**
   * One of the task's inputs, parsed and checked against its handle's Schema (parsed values are
   * shared across tasks, and each is checked once). A value that does not decode, or a handle
   * that is not among the task's inputs, fails the task naming the input's task and output.
   */
  readonly read: <A>(input: Output<A>) => Effect.Effect<A, TaskFailure>
  /**
   * An input's stored bytes, unparsed and unchecked, and its input name: for a step that hands
   * them to another thread, which checks them against the handle's format there (formatProblem
   * in src/runtime/format-check.ts) and fails as `read` would (inputFormatMessage).
   */
  readonly bytes: (input: OutputRef) => Effect.Effect<{ readonly name: string; readonly bytes: Uint8Array }, TaskFailure>
  /** The content hash of an input. */
  readonly hashOf: (input: OutputRef) => Effect.Effect<string, TaskFailure>
  /** Report progress of this task (shown live and in events). */
  readonly progress: (done: number, total: number, message?: string) => void
  readonly log: (line: string) => void
  /** A plugin's own `log` event: recorded in the run's events (the plugin contract says so). */
  readonly pluginLog: (level: string, message: string) => void
  /** Record an external job before waiting on it, so a restarted revo can adopt it. */
  readonly recordJob: (handle: JobHandle) => Effect.Effect<void>
  /** A job recorded by an earlier, interrupted attempt of this same task. */
  readonly adopt: JobHandle | undefined
}

/** What a task's run takes from its context: a process plugin's executor spawns through it (src/backends/executors/types.ts). */
export type TaskEnv = ExecutorEnv

/** A failure of one task. `transient` failures are retried with backoff. */
export class TaskFailure extends Schema.TaggedError<TaskFailure>()("TaskFailure", {
  message: Schema.String,
  transient: Schema.optionalKey(Schema.Boolean)
}) {}

export interface TaskSpec {
  readonly label: string
  readonly kind: TaskKind
  /** The implementation version: the hash of the modules the step's file loads (src/util/import-graph.ts). */
  readonly version: string
  readonly params: unknown
  /** By input name (the names, with the inputs' content hashes, are what the key hashes). */
  readonly inputs: Readonly<Record<string, Output<unknown>>>
  readonly resource: "cpu" | "gpu"
  /** How many times a transient failure is retried. */
  readonly retries?: number
  /** Runs with what the runner's context holds for tasks: the process spawner plugins' executors use. */
  readonly run: (ctx: RunContext) => Effect.Effect<Outputs, TaskFailure, TaskEnv>
}

/** The key of a task whose inputs' content hashes are known. */
export const taskKey = (task: TaskSpec, inputHashes: Readonly<Record<string, string>>): string =>
  sha256(canonicalJson({ kind: task.kind, version: task.version, params: task.params, inputs: inputHashes }))

/** A glob over task labels (`tune:*`, `predict:okvqa@*`): `*` any run of characters, `?` one. */
export const globMatcher = (glob: string): ((label: string) => boolean) => {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`)
  return (label) => re.test(label)
}
