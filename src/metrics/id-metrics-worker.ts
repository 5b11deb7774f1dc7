// Worker side of IdMetricsThread: BLEU, ROUGE-L and CIDEr-D on their own thread. Receives
// batches of items as flat Int32Arrays ([n captions, len, ids..., len, ids...] per item,
// candidate first), adds them in order, and on "finish" replies with IdMetrics' result.

import { parentPort, workerData } from "node:worker_threads"
import { IdMetrics, type IdMetricsConfig } from "./id-metrics.ts"

const port = parentPort
if (port === null) throw new Error("id-metrics-worker.ts must run as a worker thread")
const metrics = new IdMetrics(workerData as IdMetricsConfig)
port.on("message", (msg: Int32Array | "finish") => {
  if (msg === "finish") {
    const result = metrics.finish()
    const buffers = [...(result.bleu ?? []), ...(result.rouge ? [result.rouge] : []), ...(result.cider ? [result.cider] : [])].map((a) => a.buffer as ArrayBuffer)
    port.postMessage(result, [...new Set(buffers)])
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
