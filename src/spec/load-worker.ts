/**
 * The worker side of loadSpec's pre-check of a large spec: the same checks, off the main thread,
 * so that a spec that takes seconds to parse (tens of thousands of keys) does not keep the CLI
 * deaf to Ctrl-C and SIGTERM: interrupting loadSpec terminates this worker. Only plain data
 * (the problems) goes back; the spec itself is decoded again on the main thread.
 */
import { parentPort, workerData } from "node:worker_threads"
import { loadSpecSync, type SpecLoadOptions } from "./load.ts"

const { file, options } = workerData as { file: string; options: SpecLoadOptions }
const result = loadSpecSync(file, { ...options, checkFiles: false })
parentPort?.postMessage(result._tag === "ok" ? { ok: true } : { ok: false, file: result.error.file, problems: result.error.problems })
