/**
 * Following a job's stdout file while it runs: new complete lines are handed on in order, and
 * the byte offset consumed so far is kept in a side file so that a later revo adopting the job
 * continues where this one stopped. Lines handed on after the last saved offset may be handed
 * on again after a crash (at-least-once).
 */
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs/promises"
import { STDOUT_LINE_LIMIT } from "./output.ts"

export interface Tail {
  /** Deliver the complete lines written since the last call. */
  readonly poll: Effect.Effect<void>
  /** Deliver everything left, including a last line without a newline. */
  readonly finish: Effect.Effect<void>
}

/** At most `max` bytes from `offset` (a job may write a huge line; it is never read whole). */
const readFrom = (file: string, offset: number, max: number): Effect.Effect<Buffer> =>
  Effect.tryPromise(async () => {
    const fh = await NodeFs.open(file, "r")
    try {
      const { size } = await fh.stat()
      if (size <= offset) return Buffer.alloc(0)
      const buf = Buffer.alloc(Math.min(size - offset, max))
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset)
      return buf.subarray(0, bytesRead)
    } finally {
      await fh.close()
    }
  }).pipe(Effect.orElseSucceed(() => Buffer.alloc(0))) // not there yet (pending job): nothing to read

const readOffset = (offsetFile: string): Effect.Effect<number> =>
  Effect.tryPromise(() => NodeFs.readFile(offsetFile, "utf8")).pipe(
    Effect.map((s) => {
      const n = Number(s.trim())
      return Number.isInteger(n) && n >= 0 ? n : 0
    }),
    Effect.orElseSucceed(() => 0)
  )

const writeOffset = (offsetFile: string, offset: number): Effect.Effect<void> =>
  Effect.tryPromise(() => NodeFs.writeFile(offsetFile, `${offset}\n`)).pipe(Effect.ignore)

const stripCr = (line: string): string => (line.endsWith("\r") ? line.slice(0, -1) : line)

export const makeTail = (
  file: string,
  offsetFile: string,
  onLine: (line: string) => Effect.Effect<void>,
  /** Start at the first byte, ignoring the saved offset (a new reader that needs every line). */
  fromStart = false,
  /** A line longer than `limit` bytes: reported once, then skipped up to its newline. */
  onOverlong: (limit: number) => Effect.Effect<void> = () => Effect.void,
  limit = STDOUT_LINE_LIMIT
): Effect.Effect<Tail> =>
  Effect.gen(function*() {
    let offset = fromStart ? 0 : yield* readOffset(offsetFile)
    let done = false
    let skipping = false
    const window = limit + 1

    // Split on the newline byte, not on decoded text, so a multi-byte character cut at the end
    // of a read stays whole for the next one. Reads are windows of limit + 1 bytes: a line that
    // does not end within one is too long, whatever its length.
    const deliver = (final: boolean) =>
      Effect.gen(function*() {
        if (done) return
        while (true) {
          const buf = yield* readFrom(file, offset, window)
          if (buf.length === 0) break
          let start = 0
          if (skipping) {
            const end = buf.indexOf(0x0a)
            if (end === -1) start = buf.length
            else {
              skipping = false
              start = end + 1
            }
          }
          let nl = skipping ? -1 : buf.indexOf(0x0a, start)
          while (nl !== -1) {
            yield* onLine(stripCr(buf.toString("utf8", start, nl)))
            start = nl + 1
            nl = buf.indexOf(0x0a, start)
          }
          if (!skipping && buf.length - start > limit) {
            yield* onOverlong(limit)
            skipping = true
            start = buf.length
          } else if (final && buf.length < window && start < buf.length && !skipping) {
            yield* onLine(stripCr(buf.toString("utf8", start)))
            start = buf.length
          }
          if (start > 0) {
            offset += start
            yield* writeOffset(offsetFile, offset)
          }
          if (buf.length < window) break
        }
        if (final) done = true
      })

    return { poll: deliver(false), finish: deliver(true) }
  })
