/**
 * One run at a time per store. The lock file names its holder; a lock left by a process that
 * is dead (same host, pid gone) is taken over, so a crash never blocks the store forever.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { thisHost } from "./store.ts"

export class StoreLocked extends Schema.TaggedError<StoreLocked>()("StoreLocked", {
  store: Schema.String,
  holder: Schema.String
}) {
  override get message(): string {
    return `The store ${this.store} is in use by ${this.holder}. Wait for that run to finish, stop it, or use another --store.`
  }
}

interface Holder {
  readonly pid: number
  readonly host: string
  readonly started: string
  readonly command: string
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const tryCreate = (path: string, holder: Holder): boolean => {
  try {
    const fd = openSync(path, "wx")
    writeSync(fd, JSON.stringify(holder) + "\n")
    closeSync(fd)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
}

const readHolder = (path: string): Holder | undefined => {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Holder
  } catch {
    return undefined
  }
}

/** Hold the store's lock for the scope's lifetime. */
export const lockStore = (store: string, command: string) =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const path = join(store, "lock")
      const me: Holder = { pid: process.pid, host: thisHost(), started: new Date().toISOString(), command }
      for (let attempt = 0; attempt < 3; attempt++) {
        if (tryCreate(path, me)) return Effect.succeed(path)
        const holder = readHolder(path)
        const stale = holder === undefined || (holder.host === me.host && !alive(holder.pid))
        if (!stale) {
          return Effect.fail(new StoreLocked({ store, holder: `\`${holder.command}\` (pid ${holder.pid} on ${holder.host}, since ${holder.started})` }))
        }
        rmSync(path, { force: true }) // the holder is gone: take the lock over
      }
      return Effect.fail(new StoreLocked({ store, holder: "another process that keeps re-creating the lock" }))
    }),
    (path) => Effect.sync(() => {
      const holder = readHolder(path)
      if (holder?.pid === process.pid) rmSync(path, { force: true })
    })
  )
