/**
 * One run at a time per store. The lock file names its holder; a lock left by a process that
 * is dead (same host, pid gone) is taken over, so a crash never blocks the store forever.
 *
 * Both steps are atomic, so many starters racing for one store get exactly one winner:
 * - creating: the holder is written to a private file first and hard-linked into place
 *   (link(2) fails if the lock exists), so no reader ever sees an empty or torn lock;
 * - taking over a stale lock: the contenders first compete, the same way, for a marker file
 *   named after the stale lock's exact content; only the marker's owner may replace the lock
 *   (rename over it), and only after checking that the lock still holds that same content.
 *   A marker left by a taker that died is itself a stale lock, taken over by the same rule.
 * This module must not decide anything else (what a run does with the store is not its business).
 * Plain Node (no Effect): the no-op fast path (src/cli/run-fast.ts) takes the lock at start-up;
 * lock.ts holds it for an Effect scope.
 */
import { linkSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { asStorageFailure } from "./storage-failure.ts"
import { thisHost } from "./host.ts"
import { sha256 } from "../util/fs.ts"

export interface LockHolder {
  readonly pid: number
  readonly host: string
  readonly started: string
  readonly command: string
  /** Makes every holder's bytes unique, so "the lock still holds what I judged stale" is exact. */
  readonly nonce?: string
}

/** Is `pid` a live process here? (EPERM: alive, but not ours to signal.) */
export const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw e
  }
}

const parseHolder = (text: string | undefined): LockHolder | undefined => {
  if (text === undefined) return undefined
  try {
    const h = JSON.parse(text) as LockHolder
    return typeof h.pid === "number" && typeof h.host === "string" ? h : undefined
  } catch {
    return undefined
  }
}

/** The lock's holder as recorded (undefined when there is no lock or it is unreadable). */
export const readLockHolder = (store: string): LockHolder | undefined => parseHolder(readText(join(store, "lock")))

/** A holder on another host cannot be checked from here, so it counts as alive. */
export const holderAlive = (h: LockHolder): boolean => h.host !== thisHost() || pidAlive(h.pid)

type Attempt = { readonly won: true } | { readonly won: false; readonly holder: LockHolder | undefined }

const sha = (s: string) => sha256(s).slice(0, 16)

/** link(2) our prepared file to `path`: true if we created it, false if it already existed. */
const linkInto = (mine: string, path: string): boolean => {
  try {
    linkSync(mine, path)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
}

/**
 * Acquire `path` for `text` (our holder's bytes, already in the private file `mine`).
 * `depth` bounds the chain of markers (a marker's marker exists only if takers keep dying).
 */
const acquire = (path: string, text: string, mine: string, depth: number): Attempt => {
  for (let round = 0; round < 50; round++) {
    if (linkInto(mine, path)) return { won: true }
    const seen = readText(path)
    if (seen === undefined) continue // released between our link and our read: try again
    const holder = parseHolder(seen)
    if (holder !== undefined && holderAlive(holder)) return { won: false, holder }
    if (depth >= 4) return { won: false, holder }
    // Stale (dead holder, or bytes no revo writes): compete for the right to replace exactly `seen`.
    const marker = `${path}.takeover-${sha(seen)}`
    const m = acquire(marker, text, mine, depth + 1)
    if (!m.won) {
      // Another live process is replacing this stale lock; look again once it has.
      sleepMs(5 + Math.random() * 20)
      continue
    }
    try {
      if (readText(path) === seen) {
        const next = `${mine}.next`
        writeFileSync(next, text)
        renameSync(next, path)
        return { won: true }
      }
    } finally {
      rmSync(marker, { force: true })
    }
  }
  return { won: false, holder: parseHolder(readText(path)) }
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4))
/** A short synchronous pause (the whole acquisition is synchronous, a few file operations). */
const sleepMs = (ms: number): void => {
  Atomics.wait(sleepBuffer, 0, 0, ms)
}

/** Try once to take the store's lock. Exported for the concurrency test; runs use `lockStore`. */
export const tryLock = (store: string, command: string): { readonly path: string; readonly holder: LockHolder } | { readonly busy: LockHolder | undefined } => {
  const path = join(store, "lock")
  const me: LockHolder = { pid: process.pid, host: thisHost(), started: new Date().toISOString(), command, nonce: Math.random().toString(36).slice(2) }
  const text = JSON.stringify(me) + "\n"
  const mine = `${path}.${process.pid}-${me.nonce}`
  try {
    writeFileSync(mine, text)
    const r = acquire(path, text, mine, 0)
    if (!r.won) return { busy: r.holder }
    sweepLeftovers(store)
    return { path, holder: me }
  } catch (e) {
    throw asStorageFailure(e, path, "take the store's lock at")
  } finally {
    rmSync(mine, { force: true })
    rmSync(`${mine}.next`, { force: true })
  }
}

/**
 * Files a starter killed mid-acquisition left (its private copy, a takeover marker): removed
 * once we hold the lock, but only those of dead processes (a live one may be mid-attempt).
 */
const sweepLeftovers = (store: string): void => {
  for (const name of readdirSync(store)) {
    if (!name.startsWith("lock.")) continue
    const own = /^lock\.(\d+)-/.exec(name)
    const dead = own !== null ? !pidAlive(Number(own[1])) : (() => {
      const h = parseHolder(readText(join(store, name)))
      return h === undefined || !holderAlive(h)
    })()
    if (dead) rmSync(join(store, name), { force: true })
  }
}

/** Release the lock if we still hold it. */
export const unlock = (path: string, me: LockHolder): void => {
  const holder = parseHolder(readText(path))
  if (holder?.pid === me.pid && holder.nonce === me.nonce) rmSync(path, { force: true })
}
