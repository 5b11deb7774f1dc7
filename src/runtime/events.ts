/**
 * The run journal: one JSON line per task event in results/<experiment>/runs/<run-id>/events.jsonl,
 * appended synchronously so that a crash loses at most the line being written.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { asStorageFailure, guardStorage, StorageFailure } from "./storage-failure.ts"

export type EventName = "start" | "done" | "cached" | "failed" | "retry" | "skipped" | "interrupted" | "log"

export interface TaskEvent {
  readonly event: EventName
  readonly task: string
  readonly key: string
  readonly time: string
  readonly attempt?: number
  readonly seconds?: number
  readonly reason?: string
  readonly error?: string
  /** `log` events: the plugin's level and message */
  readonly level?: string
  readonly message?: string
}

export class EventLog {
  readonly dir: string
  readonly file: string
  constructor(runsDir: string, runId: string) {
    this.dir = join(runsDir, runId)
    this.file = join(this.dir, "events.jsonl")
    guardStorage(this.file, () => {
      mkdirSync(this.dir, { recursive: true })
      writeFileSync(this.file, "")
    })
  }
  /** Lines the file system refused (a full disk): the journal is for humans, the run goes on. */
  lost = 0
  write(e: Omit<TaskEvent, "time">): void {
    this.writeAll([e])
  }
  /** Several events at once, in one append (the no-op fast path journals every task as cached). */
  writeAll(es: ReadonlyArray<Omit<TaskEvent, "time">>): void {
    const time = new Date().toISOString()
    try {
      appendFileSync(this.file, es.map((e) => JSON.stringify({ ...e, time }) + "\n").join(""))
    } catch (err) {
      if (!(asStorageFailure(err, this.file) instanceof StorageFailure)) throw err
      this.lost += es.length
    }
  }
}

/** A sortable, unique run id: UTC time plus pid. */
export const newRunId = (): string => `${new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${process.pid}`

/** Who made a run (runs/<id>/run.json), written when it starts: `revo status` asks whether that process still holds the store. */
export interface RunInfo {
  readonly command: string
  readonly pid: number
  readonly host: string
  readonly started: string
}

export const writeRunInfo = (log: EventLog, command: string, host: string): void =>
  writeFileSync(join(log.dir, "run.json"), JSON.stringify({ command, pid: process.pid, host, started: new Date().toISOString() } satisfies RunInfo) + "\n")
