// IdMetrics (BLEU, ROUGE-L, CIDEr-D) on a worker thread, for the CLI: the main thread reads,
// tokenizes and scores METEOR while the worker computes the rest from the word ids. The
// worker runs the same IdMetrics on the same ids in the same order: identical numbers.

import { getCompileCacheDir } from "node:module"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { ciderScores } from "./cider.ts"
import type { IdMetricsConfig, IdMetricsResult } from "./id-metrics.ts"
import type { WorkerReply } from "./id-metrics-worker.ts"

const BATCH = 1 << 12 // ints per message (~70 items): the worker starts early

export class IdMetricsThread {
  private readonly worker: Worker
  private buf = new Int32Array(BATCH + 1024)
  private length = 0
  private failure: Error | undefined

  constructor(config: IdMetricsConfig) {
    // A worker's entry would be type-stripped before it could turn the compile cache on, so
    // a one-line script turns it on (when this thread has it) and then loads the worker with
    // require(): Node 24's compile cache serves stripped TypeScript to require() (keyed by
    // path) but not to import() (keyed by URL, a miss), and a miss loads the TypeScript
    // stripper into the worker's isolate (~70 ms before the first batch is scored).
    const entry = fileURLToPath(new URL("./id-metrics-worker.ts", import.meta.url))
    const cache = getCompileCacheDir()
    const mod = `process.getBuiltinModule("node:module")`
    const boot = cache === undefined ? "" : `${mod}.enableCompileCache(${JSON.stringify(cache)});`
    this.worker = new Worker(`${boot}${mod}.createRequire(${JSON.stringify(entry)})(${JSON.stringify(entry)})`, { eval: true, workerData: config })
    this.worker.on("error", (e) => {
      this.failure = e
    })
  }

  add(candidate: ReadonlyArray<number>, references: ReadonlyArray<ReadonlyArray<number>>): void {
    let need = 1 + candidate.length + 1
    for (const r of references) need += r.length + 1
    if (this.length + need > this.buf.length) {
      this.flush()
      if (need > this.buf.length) this.buf = new Int32Array(need)
    }
    const b = this.buf
    let p = this.length
    b[p++] = references.length + 1
    for (let c = 0; c <= references.length; c++) {
      const cap = c === 0 ? candidate : (references[c - 1] as ReadonlyArray<number>)
      b[p++] = cap.length
      for (let i = 0; i < cap.length; i++) b[p++] = cap[i] as number
    }
    this.length = p
    if (this.length >= BATCH) this.flush()
  }

  private flush(): void {
    if (this.length === 0) return
    const out = this.buf.slice(0, this.length)
    this.worker.postMessage(out, [out.buffer])
    this.length = 0
  }

  /** Stop the worker (finish() will not be called: the run failed). */
  close(): void {
    void this.worker.terminate()
  }

  /** The worker's IdMetrics result; the worker then exits. */
  async finish(): Promise<IdMetricsResult> {
    this.flush()
    if (this.failure !== undefined) throw this.failure
    const result = new Promise<IdMetricsResult>((resolve, reject) => {
      // CIDEr-D of the items before `to`, scored here while the worker scores the rest.
      let head: Float64Array | undefined
      this.worker.on("message", (m: WorkerReply) => {
        if (m.kind === "cider") {
          head = ciderScores(m.tables, 0, m.to)
          return
        }
        if (head !== undefined) (m.result.cider as Float64Array).set(head)
        resolve(m.result)
      })
      this.worker.once("error", reject)
      this.worker.once("exit", (code) => reject(new Error(`metrics worker exited (${code})`)))
    })
    this.worker.postMessage("finish")
    try {
      return await result
    } finally {
      await this.worker.terminate()
    }
  }
}
