// Worker side of IdMetricsThread: BLEU, ROUGE-L and CIDEr-D on their own thread. Receives
// batches of items as flat Int32Arrays ([n captions, len, ids..., len, ids...] per item,
// candidate first), adds them in order, and on "finish" replies with IdMetrics' result
// (WorkerReply). CIDEr-D's last pass (every item, once document frequencies are known) is
// split: a "cider" message first hands the main thread, idle by then, a copy of the corpus
// tables to score the items before `to` while this thread scores the rest.

import { parentPort, workerData } from "node:worker_threads"
import type { CiderTables } from "./cider.ts"
import { IdMetrics, type IdMetricsConfig, type IdMetricsResult } from "./id-metrics.ts"

export type WorkerReply =
  | { readonly kind: "cider"; readonly tables: CiderTables; readonly to: number }
  | { readonly kind: "result"; readonly result: IdMetricsResult }

// Below this many items the split saves less than the copy costs.
const SPLIT_MIN = 512

const port = parentPort
if (port === null) throw new Error("id-metrics-worker.ts must run as a worker thread")
const metrics = new IdMetrics(workerData as IdMetricsConfig)
port.on("message", (msg: Int32Array | "finish") => {
  if (msg === "finish") {
    const t = metrics.ciderTables()
    let from = 0
    if (t !== undefined && t.items >= SPLIT_MIN) {
      from = t.items >> 1
      const [idf, tokens, starts, order, parent] = [t.idf.slice(), t.tokens.slice(), t.starts.slice(), t.order.slice(), t.parent.slice()]
      const sent: WorkerReply = { kind: "cider", tables: { items: t.items, idf, tokens, starts, order, parent }, to: from }
      port.postMessage(sent, [idf.buffer, tokens.buffer, starts.buffer, order.buffer, parent.buffer])
    }
    const result = metrics.finish(from)
    const buffers = [...(result.bleu ?? []), ...(result.rouge ? [result.rouge] : []), ...(result.cider ? [result.cider] : [])].map((a) => a.buffer as ArrayBuffer)
    const reply: WorkerReply = { kind: "result", result }
    port.postMessage(reply, [...new Set(buffers)])
    return
  }
  let p = 0
  while (p < msg.length) {
    const nCaps = msg[p++] as number
    const caps: Array<Array<number>> = []
    for (let c = 0; c < nCaps; c++) {
      const len = msg[p++] as number
      caps.push(Array.from(msg.subarray(p, p + len)))
      p += len
    }
    metrics.add(caps[0] as Array<number>, caps.slice(1))
  }
})
