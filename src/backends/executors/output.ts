/**
 * What an executor keeps of a plugin's output, within bounds: stdout is split into lines of at
 * most STDOUT_LINE_LIMIT bytes (a 200 MB line must not become a 200 MB string, let alone
 * several copies of it), and stderr goes to the task's log, secrets masked, with at most
 * STDERR_LOG_LIMIT bytes per attempt; beyond that only the last STDERR_TAIL bytes are kept, after
 * a note saying how much was left out, so the cause of a failure (the last lines) survives.
 */
import * as NodeFs from "node:fs"
import { StreamRedactor } from "../../util/redact.ts"

/** An event is one line; results belong in files. 1 MiB is far above any real event. */
export const STDOUT_LINE_LIMIT = 1024 * 1024
export const STDERR_LOG_LIMIT = 32 * 1024 * 1024
export const STDERR_TAIL = 64 * 1024

export type SplitLine = { readonly line: string } | { readonly overlong: number }

/** Splits bytes on "\n" (dropping a "\r" before it); a line over `limit` bytes is reported once and skipped. */
export class LineSplitter {
  private parts: Array<Uint8Array> = []
  private size = 0
  private skipping = false
  private readonly limit: number
  constructor(limit = STDOUT_LINE_LIMIT) {
    this.limit = limit
  }
  push(chunk: Uint8Array): Array<SplitLine> {
    const out: Array<SplitLine> = []
    let start = 0
    while (start <= chunk.length) {
      const nl = chunk.indexOf(0x0a, start)
      const end = nl === -1 ? chunk.length : nl
      if (!this.skipping) {
        if (this.size + (end - start) > this.limit) {
          out.push({ overlong: this.limit })
          this.skipping = true
          this.parts = []
          this.size = 0
        } else if (end > start) {
          this.parts.push(chunk.subarray(start, end))
          this.size += end - start
        }
      }
      if (nl === -1) break
      if (!this.skipping) out.push({ line: this.take() })
      this.skipping = false
      start = nl + 1
    }
    // Copy what is kept: the chunk's buffer may be reused by the stream.
    this.parts = this.parts.map((p) => Uint8Array.from(p))
    return out
  }
  end(): Array<SplitLine> {
    if (this.skipping || this.size === 0) return []
    return [{ line: this.take() }]
  }
  private take(): string {
    const text = Buffer.concat(this.parts).toString("utf8")
    this.parts = []
    this.size = 0
    return text.endsWith("\r") ? text.slice(0, -1) : text
  }
}

/** Appends a plugin's stderr to its log: secrets masked, at most `limit` bytes, then a note and the tail. */
export class CappedLog {
  private readonly fd: number
  private readonly redactor: StreamRedactor
  private readonly decoder = new TextDecoder("utf-8")
  private written = 0
  private dropped = 0
  private tail = ""
  private readonly limit: number
  private readonly tailSize: number
  constructor(logFile: string, secrets: ReadonlyArray<string>, limit = STDERR_LOG_LIMIT, tailSize = STDERR_TAIL) {
    this.fd = NodeFs.openSync(logFile, "a")
    this.redactor = new StreamRedactor(secrets)
    this.limit = limit
    this.tailSize = tailSize
  }
  write(chunk: Uint8Array): void {
    this.keep(this.redactor.push(this.decoder.decode(chunk, { stream: true })))
  }
  close(): void {
    try {
      this.keep(this.redactor.push(this.decoder.decode()))
      this.keep(this.redactor.end())
      if (this.dropped > 0) {
        const kept = Buffer.byteLength(this.tail)
        NodeFs.writeSync(
          this.fd,
          `\n[revo] stderr exceeded ${mib(this.limit)} this attempt: ${this.dropped - kept} bytes after the first ${mib(this.limit)} were not kept; the last ${kept} bytes follow\n${this.tail}`
        )
      }
    } finally {
      NodeFs.closeSync(this.fd)
    }
  }
  private keep(text: string): void {
    if (text.length === 0) return
    const bytes = Buffer.from(text)
    const room = this.limit - this.written
    if (room > 0) {
      const head = bytes.subarray(0, room)
      NodeFs.writeSync(this.fd, head)
      this.written += head.length
      if (head.length === bytes.length) return
    }
    const rest = room > 0 ? bytes.subarray(room) : bytes
    this.dropped += rest.length
    // the tail is text for humans: a character cut at its start becomes U+FFFD, nothing worse
    const joined = this.tail + rest.toString("utf8")
    this.tail = joined.length > this.tailSize ? joined.slice(joined.length - this.tailSize) : joined
  }
}

const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`
