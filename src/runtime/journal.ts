/**
 * The run journal as a service: the runner (run-graph.ts) writes one event per task transition
 * to whatever journal its context holds. A command's run writes runs/<run-id>/events.jsonl
 * (events.ts, with run.json saying who made the run); tests keep the events in memory.
 */
import { join } from "node:path"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { EventLog, type TaskEvent, writeRunInfo } from "./events.ts"
import { thisHost } from "./host.ts"
import { storageEffect, type StoreUnwritable } from "./storage-effect.ts"

export interface JournalShape {
  /** The run's folder (runs/<run-id>/): its summary is written beside the events. */
  readonly dir: string
  readonly write: (event: Omit<TaskEvent, "time">) => void
}

export class Journal extends Context.Service<Journal, JournalShape>()("revo/runtime/Journal") {
  /** runs/<runId>/events.jsonl under the results folder, and run.json naming `command`, this process and host. */
  static readonly layer = (resultsDir: string, runId: string, command: string): Layer.Layer<Journal, StoreUnwritable> =>
    Layer.effect(Journal, storageEffect(resultsDir, () => {
      const log = new EventLog(join(resultsDir, "runs"), runId)
      writeRunInfo(log, command, thisHost())
      return Journal.of({ dir: log.dir, write: (e) => log.write(e) })
    }))

  /** A journal kept in `into`, in order, with times (tests read what the runner journaled). */
  static readonly inMemory = (into: Array<TaskEvent>, dir = join("memory", "run")): Layer.Layer<Journal> =>
    Layer.succeed(Journal, Journal.of({ dir, write: (e) => void into.push({ ...e, time: new Date().toISOString() }) }))
}
