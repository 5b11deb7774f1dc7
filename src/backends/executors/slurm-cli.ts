/** Running one Slurm client command (sbatch, squeue, scontrol, scancel) and collecting its output. */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { ChildProcess, ChildProcessSpawner } from "effect/process"

export interface CliResult {
  /** null when the command could not be started or did not answer in time. */
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Never fails: a command that cannot start, dies, or hangs (a busy controller) is reported in
 * the result, so callers decide what is transient. A hung command is killed after `timeout`.
 */
export const runCli = (
  command: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  timeout: Duration.Input
): Effect.Effect<CliResult, never, ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const handle = yield* spawner.spawn(ChildProcess.make(command, args, {
      env: { ...env },
      extendEnv: false,
      stdin: "ignore",
      forceKillAfter: "2 seconds"
    }))
    const [stdout, stderr, exitCode] = yield* Effect.all([
      Stream.mkString(Stream.decodeText(handle.stdout)),
      Stream.mkString(Stream.decodeText(handle.stderr)),
      handle.exitCode
    ], { concurrency: 3 })
    return { exitCode: Number(exitCode), stdout, stderr } satisfies CliResult
  }).pipe(
    Effect.scoped,
    Effect.timeoutOption(timeout),
    Effect.map(Option.getOrElse((): CliResult => ({
      exitCode: null,
      stdout: "",
      stderr: `no answer within ${Duration.format(Duration.fromInputUnsafe(timeout))}`
    }))),
    Effect.catch((error) => Effect.succeed<CliResult>({ exitCode: null, stdout: "", stderr: error.message }))
  )

/** The first line of stderr, for messages. */
export const firstLine = (s: string): string => s.trim().split("\n")[0] ?? ""
