/**
 * Following a Slurm job's stdout file: a line longer than the limit is reported once and
 * skipped without ever being read whole (a 200 MB line must not become a 200 MB buffer), and
 * the lines around it, the byte offsets and a last line without a newline are kept exactly.
 */
import assert from "node:assert/strict"
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import * as Effect from "effect/Effect"
import { makeTail } from "../../src/backends/executors/slurm-tail.ts"
import { STDOUT_LINE_LIMIT } from "../../src/backends/executors/output.ts"

test("an overlong stdout line is reported once and skipped in windows; the lines around it arrive whole", async () => {
  const dir = mkdtempSync(join(tmpdir(), "revo-tail-"))
  const out = join(dir, "1.out")
  const offsetFile = join(dir, "1.offset")
  const lines: Array<string> = []
  const overlong: Array<number> = []
  const tail = await Effect.runPromise(makeTail(out, offsetFile, (l) => Effect.sync(() => void lines.push(l)), false, (limit) => Effect.sync(() => void overlong.push(limit))))
  const progress = JSON.stringify({ event: "progress", done: 1, total: 2, message: "ünïcode" })
  writeFileSync(out, `${progress}\n`)
  // 200 MB in 8 MB writes with polls between them, as a job writes while revo follows it
  const big = Buffer.alloc(8 * 1024 * 1024, "x")
  const rss0 = process.memoryUsage().rss
  let peak = rss0
  for (let i = 0; i < 25; i++) {
    appendFileSync(out, big)
    await Effect.runPromise(tail.poll)
    peak = Math.max(peak, process.memoryUsage().rss)
  }
  appendFileSync(out, `\n{"event":"result"}\n{"event":"log","level":"info","message":"no newline at the end"}`)
  await Effect.runPromise(tail.finish)
  assert.deepEqual(lines, [progress, `{"event":"result"}`, `{"event":"log","level":"info","message":"no newline at the end"}`])
  assert.deepEqual(overlong, [STDOUT_LINE_LIMIT])
  assert.equal(Number(readFileSync(offsetFile, "utf8")), readFileSync(out).length)
  assert.ok(peak - rss0 < 100 * 1024 * 1024, `memory grew by ${Math.round((peak - rss0) / 1024 / 1024)} MiB`)
})
