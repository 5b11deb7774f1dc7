/**
 * The `revo` command (DESIGN.md section 7). Exit codes: 0 success, 1 a task failed,
 * 2 bad spec or arguments, 130 interrupted.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { Argument, Command, Flag, CliError } from "effect/cli"
import { readFileSync } from "node:fs"
import { dataRootFlag, jsonFlag, setFlag, specArg, storeFlag } from "./options.ts"
import { scoreCommand as score } from "./score-command.ts"
import type { TaskStore } from "../runtime/task-store.ts"

const version: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version

/** Command implementations load on first use, so `revo --help` does not pay for all of them. */
const lazy = <M, A, X, E, R>(load: () => Promise<M>, pick: (m: M) => (args: A) => Effect.Effect<X, E, R>) => (args: A): Effect.Effect<X, E, R> =>
  Effect.flatMap(Effect.promise(load), (m) => pick(m)(args))

/**
 * The task store a command works on, provided here once, from its --store flag, to the commands
 * that read or write it; they take it from their context (src/runtime/task-store.ts).
 */
const withStore = <A extends { readonly store: Option.Option<string> }, X, E, R>(run: (args: A) => Effect.Effect<X, E, R>) =>
  (args: A): Effect.Effect<X, E, Exclude<R, TaskStore>> =>
    Effect.flatMap(Effect.promise(() => import("./services.ts")), (m) => run(args).pipe(Effect.provide(m.storeLayer(args.store))))

const runRun = withStore(lazy(() => import("./run.ts"), (m) => m.runRun))
const runPlan = withStore(lazy(() => import("./plan.ts"), (m) => m.runPlan))
const runStatus = lazy(() => import("./status.ts"), (m) => m.runStatus)
const runValidate = lazy(() => import("./validate.ts"), (m) => m.runValidate)
const runSchema = lazy(() => import("./schema.ts"), (m) => m.runSchema)
const runInspect = lazy(() => import("./inspect.ts"), (m) => m.runInspect)
const runReport = withStore(lazy(() => import("./report.ts"), (m) => m.runReport))
const runPublish = withStore(lazy(() => import("./publish.ts"), (m) => m.runPublish))
const runVerify = lazy(() => import("./verify.ts"), (m) => m.runVerify)

const revo = Command.make("revo").pipe(
  Command.withDescription(
    "Judge and refine vision-language instruction-tuning data: tune on each dataset, cross-evaluate, score, select REVO-LION, prove it, report, publish."
  )
)

const run = Command.make("run", {
  spec: specArg,
  set: setFlag,
  dataRoot: dataRootFlag,
  store: storeFlag,
  jobs: Flag.Int("jobs").pipe(Flag.withAlias("j"), Flag.withDescription("CPU tasks run at once (GPU tasks have their own slots)"), Flag.withDefault(2)),
  force: Flag.String("force").pipe(Flag.withDescription("Rerun tasks whose label matches this glob, e.g. 'tune:*' (repeatable)"), Flag.atLeast(0))
}, runRun).pipe(
  Command.withDescription("Run the experiment: everything not already in the store is computed, the rest is reused"),
  Command.withExamples([{ command: "revo run experiments/quickstart.yaml -j 2", description: "Run the main job on the CPU backend" }])
)

const plan = Command.make("plan", {
  spec: specArg, set: setFlag, dataRoot: dataRootFlag, store: storeFlag, json: jsonFlag,
  force: Flag.String("force").pipe(Flag.withDescription("Show tasks matching this glob as forced"), Flag.atLeast(0))
}, runPlan).pipe(
  Command.withDescription("List every task as cached or run, and why it must run")
)

const validate = Command.make("validate", {
  spec: specArg, set: setFlag, dataRoot: dataRootFlag,
  noData: Flag.Boolean("no-data").pipe(Flag.withDescription("Skip the data check (reading the first records of every source and join)"), Flag.withDefault(false))
}, runValidate).pipe(
  Command.withDescription("Check a spec, and its field paths against the data: every error with file:line:col, exit 2 on any")
)

const inspect = Command.make("inspect", {
  spec: specArg, set: setFlag, dataRoot: dataRootFlag, json: jsonFlag,
  dataset: Flag.String("dataset").pipe(Flag.withDescription("Only this dataset"), Flag.optional)
}, runInspect).pipe(
  Command.withDescription("What each dataset holds: samples, items, references, bad rows, splits, leakage moves, examples")
)

const status = Command.make("status", { spec: specArg.pipe(Argument.optional), store: storeFlag, json: jsonFlag }, runStatus).pipe(
  Command.withDescription("State of the last run: done, failed and running tasks")
)

const report = Command.make("report", { spec: specArg, set: setFlag, dataRoot: dataRootFlag, store: storeFlag }, runReport).pipe(
  Command.withDescription("Rebuild report.json, report.md and report.html from the store")
)

const publish = Command.make("publish", {
  spec: specArg, set: setFlag, dataRoot: dataRootFlag, store: storeFlag,
  repo: Flag.String("repo").pipe(Flag.withDescription("The Hub dataset repo, ORG/NAME"), Flag.optional),
  private: Flag.Boolean("private").pipe(Flag.withDescription("Create the repo private"), Flag.withDefault(false)),
  revision: Flag.String("revision").pipe(Flag.withDescription("Branch to commit to (default main)"), Flag.optional),
  endpoint: Flag.String("endpoint").pipe(Flag.withDescription("Hub endpoint (default HF_ENDPOINT or https://huggingface.co)"), Flag.optional),
  dryRun: Flag.String("dry-run").pipe(Flag.withDescription("Write the repo tree to this folder instead of uploading"), Flag.optional),
  allowDemo: Flag.Boolean("allow-demo").pipe(Flag.withDescription("Publish even when a demo backend (e.g. retrieval) selected the samples"), Flag.withDefault(false))
}, runPublish).pipe(
  Command.withDescription("Publish REVO-LION as a Hugging Face dataset repo (token from HF_TOKEN)")
)

const verify = Command.make("verify", {
  store: storeFlag, json: jsonFlag,
  repair: Flag.Boolean("repair").pipe(Flag.withDescription("Delete damaged objects and mark their tasks for recomputation"), Flag.withDefault(false))
}, runVerify).pipe(
  Command.withDescription("Re-hash every output and model file in the store and report damage (like git fsck)")
)

const schema = Command.make("schema", {}, runSchema).pipe(
  Command.withDescription("Print the spec's JSON Schema (for editors)")
)

export const cli = revo.pipe(Command.withSubcommands([run, plan, validate, inspect, status, score, report, publish, verify, schema]))

/**
 * Failures that are the user's to fix (exit 2), by tag: a spec or argument error, a store another
 * run holds, a missing, malformed or rejected Hub token (found before any upload). Told apart by
 * tag, so this module loads none of the modules that define them.
 */
const USAGE_ERRORS: ReadonlySet<string> = new Set(["SpecError", "UsageError", "StoreLocked", "HubAuthError", "HubUrlError"])

/** Map a failure to its message and exit code; nothing else decides exit codes. */
const exitCodeOf = (error: unknown): { code: number; message?: string } => {
  if (CliError.isCliError(error)) return { code: 2 } // already rendered with the help text
  const message = error instanceof Error ? error.message : String(error)
  const tag = typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined
  // Everything else, TasksFailed (which lists the failed tasks) included, exits 1 with its message.
  return { code: typeof tag === "string" && USAGE_ERRORS.has(tag) ? 2 : 1, message }
}

export const main = (argv: ReadonlyArray<string>) =>
  Command.runWith(cli, { version })(argv).pipe(
    Effect.exit,
    Effect.flatMap((exit) => {
      if (Exit.isSuccess(exit)) return Effect.void
      if (Cause.hasInterruptsOnly(exit.cause)) return Effect.sync(() => { process.exitCode = 130 })
      const failure = Cause.findErrorOption(exit.cause)
      const { code, message } = Option.isSome(failure) ? exitCodeOf(failure.value) : { code: 1, message: Cause.pretty(exit.cause) }
      return (message ? Console.error(message) : Effect.void).pipe(Effect.andThen(Effect.sync(() => { process.exitCode = code })))
    })
  )

export const runCli = (argv: ReadonlyArray<string> = process.argv.slice(2)) => {
  // runMain interrupts on INT and TERM; a closed terminal or a launcher passing on HUP stops revo
  // the same clean way (plugin process groups killed, the store's lock released).
  process.on("SIGHUP", () => process.kill(process.pid, "SIGTERM"))
  main(argv).pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain({ disableErrorReporting: true }))
}

if (import.meta.main) runCli()
