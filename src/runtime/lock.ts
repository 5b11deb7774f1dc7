/**
 * One run at a time per store, held for an Effect scope (`lockStore`). How the lock file is
 * taken, taken over from a dead holder and released is lock-file.ts (plain Node, re-exported
 * here); a busy store is a StoreLocked error naming its holder.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { type LockHolder, tryLock, unlock } from "./lock-file.ts"
import { StorageFailure } from "./storage-failure.ts"
import { StoreUnwritable } from "./storage-effect.ts"

export { holderAlive, type LockHolder, pidAlive, readLockHolder, tryLock, unlock } from "./lock-file.ts"

export class StoreLocked extends Schema.TaggedError<StoreLocked>()("StoreLocked", {
  store: Schema.String,
  holder: Schema.String
}) {
  override get message(): string {
    return `The store ${this.store} is in use by ${this.holder}. Wait for that run to finish, stop it, or use another --store.`
  }
}

/** Hold the store's lock for the scope's lifetime. */
export const lockStore = (store: string, command: string) =>
  Effect.acquireRelease(
    Effect.suspend((): Effect.Effect<{ readonly path: string; readonly holder: LockHolder }, StoreLocked | StoreUnwritable> => {
      let r: ReturnType<typeof tryLock>
      try {
        r = tryLock(store, command)
      } catch (e) {
        if (e instanceof StorageFailure) return Effect.fail(new StoreUnwritable({ message: e.message }))
        throw e
      }
      if ("path" in r) return Effect.succeed(r)
      const h = r.busy
      return Effect.fail(new StoreLocked({
        store,
        holder: h === undefined ? "another process that keeps re-creating the lock" : `\`${h.command}\` (pid ${h.pid} on ${h.host}, since ${h.started})`
      }))
    }),
    (held) => Effect.sync(() => unlock(held.path, held.holder))
  )
