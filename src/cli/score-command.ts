/** `revo score` as a CLI command: flags checked here, the work done by runScore (src/cli/score.ts). */
import { Effect, Option } from "effect"
import { ALL_METRICS, type MetricName } from "../metrics/index.ts"
import { UsageError } from "./errors.ts"
import { runScore } from "./score.ts"

export const runScoreCommand = (args: { input: string; metrics: string; output: Option.Option<string>; wordnet: "3.0" | "3.1"; allowDuplicateIds: boolean }) =>
  Effect.gen(function*() {
    const metrics = args.metrics.split(",").map((m) => m.trim()).filter(Boolean)
    const unknown = metrics.filter((m) => !(ALL_METRICS as ReadonlyArray<string>).includes(m))
    if (unknown.length > 0 || metrics.length === 0) {
      return yield* new UsageError({ message: `--metrics: unknown metric ${unknown.join(", ") || "(none given)"}; choose from ${ALL_METRICS.join(", ")}` })
    }
    yield* runScore({
      input: args.input, metrics: metrics as Array<MetricName>, wordnet: args.wordnet, allowDuplicateIds: args.allowDuplicateIds,
      ...(Option.isSome(args.output) ? { output: args.output.value } : {})
    }).pipe(
      Effect.mapError((e) => new UsageError({ message: e.message }))
    )
  })
