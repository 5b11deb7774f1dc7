/**
 * What both paths of `revo run` share, written once: the full run (run.ts) and the no-op fast
 * path (run-fast.ts) find the same store and end with the same journal summary and the same
 * last line, so a rerun that changed nothing reads the same whichever path took it.
 * Plain Node: loaded at start-up.
 */
import { join, resolve } from "node:path"
import { guardStorage, StorageFailure } from "../runtime/storage-failure.ts"
import { writeFileAtomic } from "../util/fs.ts"

/** The store of a --store flag (absent: results/.revo under the current folder), absolute. */
export const storeDirFrom = (flag: string | undefined): string => resolve(flag ?? join("results", ".revo"))

export interface RunCounts {
  readonly tasks: number
  readonly executed: number
  readonly cached: number
  readonly seconds: number
}

/** runs/<id>/summary.json. A full disk must not hide the run's outcome: `revo status` then says "stopped". */
export const writeRunSummary = (runDir: string, fields: Record<string, unknown>): void => {
  try {
    guardStorage(join(runDir, "summary.json"), () => writeFileAtomic(join(runDir, "summary.json"), JSON.stringify(fields, null, 2) + "\n"))
  } catch (e) {
    if (!(e instanceof StorageFailure)) throw e
  }
}

/** The last line of a run that finished (not interrupted). */
export const summaryLine = (c: RunCounts, failed: number, results: string, journal: string): string =>
  `${c.tasks} tasks: ${c.executed} run, ${c.cached} cached, ${failed} failed in ${c.seconds.toFixed(1)}s. ${results}; journal ${journal}`

/** Where the results are, and which files this run rewrote. */
export const resultsWritten = (resultsDir: string, written: ReadonlyArray<string>): string =>
  `Results in ${resultsDir}${written.length ? ` (updated: ${written.join(", ")})` : " (unchanged)"}`
