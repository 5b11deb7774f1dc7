/** `revo score` as an effect/cli command, built from the one flag definition (score-args.ts);
 * it runs when the direct path hands over (--help, the framework's own options). */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import type { ScoreInputError, ScoreIoError } from "../metrics/effect.ts"
import type { ScoreResult } from "../metrics/index.ts"
import { UsageError } from "./errors.ts"
import { checkScoreArgs, SCORE_DESCRIPTION, SCORE_FLAGS, type ScoreArgs } from "./score-args.ts"

/** Score a JSON Lines file as an Effect with typed errors (the Effect side loads on first use). */
export const runScore = (o: ScoreArgs): Effect.Effect<ScoreResult, ScoreInputError | ScoreIoError> =>
  Effect.flatMap(Effect.promise(() => import("../metrics/effect.ts")), (m) => m.scoreFileEffect(o))

const f = SCORE_FLAGS
export const scoreCommand = Command.make("score", {
  input: Flag.String("input").pipe(Flag.withDescription(f.input.description)),
  metrics: Flag.String("metrics").pipe(Flag.withDescription(f.metrics.description), Flag.withDefault(f.metrics.default)),
  output: Flag.String("output").pipe(Flag.withDescription(f.output.description), Flag.optional),
  wordnet: Flag.Literals("wordnet", f.wordnet.choices).pipe(Flag.withDescription(f.wordnet.description), Flag.withDefault(f.wordnet.default)),
  allowDuplicateIds: Flag.Boolean("allow-duplicate-ids").pipe(Flag.withDescription(f["allow-duplicate-ids"].description))
}, (args) =>
  Effect.gen(function*() {
    const checked = checkScoreArgs({ ...args, output: Option.getOrUndefined(args.output) })
    if (typeof checked === "string") return yield* new UsageError({ message: checked })
    yield* runScore(checked).pipe(Effect.mapError((e) => new UsageError({ message: e.message })))
  })
).pipe(Command.withDescription(SCORE_DESCRIPTION))
