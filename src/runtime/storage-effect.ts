/**
 * The typed side of storage failures: a refused write inside an Effect becomes StoreUnwritable
 * (a command that cannot start or finish), anything else stays a defect. The plain helpers are
 * in storage-failure.ts, which loads no Effect.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { guardStorage, StorageFailure } from "./storage-failure.ts"

/** A command that cannot start or finish because its store or results folder refuses writes. */
export class StoreUnwritable extends Schema.TaggedError<StoreUnwritable>()("StoreUnwritable", {
  message: Schema.String
}) {}

/** Map a thrown StorageFailure to the typed error (anything else stays a defect: a bug to see in full). */
export const storageEffect = <A>(path: string, f: () => A) =>
  Effect.try({ try: () => guardStorage(path, f), catch: (e) => e }).pipe(
    Effect.catch((e) => e instanceof StorageFailure ? Effect.fail(new StoreUnwritable({ message: e.message })) : Effect.die(e))
  )
