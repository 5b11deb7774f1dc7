/**
 * Score tasks on worker threads. Every step of a run shares one thread in the runner, so the
 * score tasks (about half of a quickstart's CPU time) would otherwise take turns with every
 * predict, select and store write; here they run beside them, one worker per score task running
 * at once (-j bounds how many), each worker kept for the rest of the process.
 *
 * Idle workers do not keep the process alive. What a job computes is score-set.ts, the same
 * bytes on any thread.
 */
import { getCompileCacheDir } from "node:module"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { ScoreMetrics } from "./score-set.ts"
import type { JobInput, ScoreJob, ScoreReply } from "./score-worker.ts"

export type { JobInput }

export interface ScoreRequest {
  readonly label: string
  readonly metrics: ScoreMetrics
  readonly predictions: JobInput
  readonly items: JobInput
}

/** A job whose input is not JSON or not of its producer's format: the message names the task,
 * the input and the problem (the task fails with it, as reading the input would). */
export class ScoreInputError extends Error {}

interface Pending {
  readonly job: number
  readonly resolve: (bytes: Uint8Array) => void
  readonly reject: (e: Error) => void
  readonly progress: (done: number, total: number) => void
}

interface Slot {
  readonly worker: Worker
  pending: Pending | undefined
}

/**
 * Each worker's young generation, in MB. Scoring makes garbage fast, and at the default size each
 * worker's heap grew to ~150 MB (mostly garbage between collections): a cold quickstart peaked at
 * 1.19 GB with two workers, 0.86 GB without. At 8 MB it peaked at 0.97 GB (16 MB: 1.06 GB) for
 * about 3 s more CPU on the workers, within the noise of the busy machine it was measured on.
 */
const YOUNG_MB = 8

/** A worker error as the task's failure: the worker's message and stack. */
const workerError = (message: string, stack: string): Error => {
  const e = new Error(message)
  e.stack = stack
  return e
}

export class ScorePool {
  private readonly slots: Array<Slot> = []
  private nextJob = 1

  /** The task's output (UTF-8 canonical JSON), computed on a worker thread. */
  score(request: ScoreRequest, progress: (done: number, total: number) => void = () => {}): Promise<Uint8Array> {
    const slot = this.slots.find((s) => s.pending === undefined) ?? this.start()
    const job = this.nextJob++
    return new Promise<Uint8Array>((resolve, reject) => {
      slot.pending = { job, resolve, reject, progress }
      slot.worker.ref()
      slot.worker.postMessage({ job, ...request } satisfies ScoreJob)
    })
  }

  private start(): Slot {
    // As id-metrics-thread.ts: a one-line script turns the compile cache on (when this thread
    // has it) and loads the worker with require(), which the cache serves stripped TypeScript.
    const entry = fileURLToPath(new URL("./score-worker.ts", import.meta.url))
    const cache = getCompileCacheDir()
    const mod = `process.getBuiltinModule("node:module")`
    const boot = cache === undefined ? "" : `${mod}.enableCompileCache(${JSON.stringify(cache)});`
    const worker = new Worker(`${boot}${mod}.createRequire(${JSON.stringify(entry)})(${JSON.stringify(entry)})`, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } })
    const slot: Slot = { worker, pending: undefined }
    const settle = (): Pending | undefined => {
      const p = slot.pending
      slot.pending = undefined
      worker.unref()
      return p
    }
    worker.on("message", (r: ScoreReply) => {
      const p = slot.pending
      if (p === undefined || p.job !== r.job) return
      if (r.kind === "progress") p.progress(r.done, r.total)
      else if (r.kind === "done") settle()?.resolve(r.bytes)
      else if (r.kind === "input") settle()?.reject(new ScoreInputError(r.message))
      else settle()?.reject(workerError(r.message, r.stack))
    })
    // A worker that failed outside a job, or exited, fails its job and is not given another.
    const die = (e: Error) => {
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots.splice(i, 1)
      settle()?.reject(e)
    }
    worker.on("error", (e) => die(e))
    worker.on("exit", (code) => die(new Error(`score worker thread exited (code ${code})`)))
    this.slots.push(slot)
    return slot
  }
}

let shared: ScorePool | undefined

/** The process's pool, started on first use. */
export const scorePool = (): ScorePool => (shared ??= new ScorePool())
