/**
 * What a person watching a run sees: on a terminal, a live view (done/total by kind, the
 * running tasks with their own progress, an ETA) redrawn in place; otherwise plain lines,
 * one per finished task, fit for CI logs.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { TaskKind } from "./task.ts"

interface Running {
  readonly started: number
  done: number
  total: number
  message: string
}

export interface ProgressSink {
  planned(kind: TaskKind): void
  start(label: string, kind: TaskKind): void
  progress(label: string, done: number, total: number, message?: string): void
  finish(label: string, kind: TaskKind, outcome: "done" | "cached" | "failed" | "skipped", seconds: number, detail?: string): void
  /** A line worth a person's attention (e.g. a damaged output found). */
  note(text: string): void
  /** Counts so far, and seconds since the view opened. */
  summary(): ProgressSummary
  close(): void
}

export interface ProgressSummary {
  readonly executed: number
  readonly cached: number
  readonly failed: number
  readonly seconds: number
}

/** What the runner reports progress to: the terminal view for a command, a recording sink in tests. */
export class Progress extends Context.Service<Progress, ProgressSink>()("revo/runtime/Progress") {
  /** The view on stderr (live on a terminal, plain lines otherwise), closed with the layer's scope. */
  static readonly layerTerminal: Layer.Layer<Progress> = Layer.effect(
    Progress,
    Effect.acquireRelease(Effect.sync(() => new TerminalProgress()), (p) => Effect.sync(() => p.close()))
  )
}

const fmtSeconds = (s: number): string =>
  s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`

export class TerminalProgress implements ProgressSink {
  private readonly out: NodeJS.WriteStream
  private readonly live: boolean
  private readonly totals = new Map<TaskKind, number>()
  private readonly finished = new Map<TaskKind, number>()
  private readonly running = new Map<string, Running>()
  private readonly startedAt = Date.now()
  private executedSeconds = 0
  private executed = 0
  private cached = 0
  private failed = 0
  private lines = 0
  private timer: NodeJS.Timeout | undefined

  constructor(out: NodeJS.WriteStream = process.stderr, live = Boolean(out.isTTY) && process.env["CI"] === undefined) {
    this.out = out
    this.live = live
    if (live) this.timer = setInterval(() => this.redraw(), 200)
  }

  planned(kind: TaskKind): void {
    this.totals.set(kind, (this.totals.get(kind) ?? 0) + 1)
  }

  start(label: string): void {
    this.running.set(label, { started: Date.now(), done: 0, total: 0, message: "" })
  }

  progress(label: string, done: number, total: number, message?: string): void {
    const r = this.running.get(label)
    if (!r) return
    r.done = done
    r.total = total
    if (message !== undefined) r.message = message
  }

  finish(label: string, kind: TaskKind, outcome: "done" | "cached" | "failed" | "skipped", seconds: number, detail?: string): void {
    this.running.delete(label)
    this.finished.set(kind, (this.finished.get(kind) ?? 0) + 1)
    if (outcome === "done") {
      this.executed++
      this.executedSeconds += seconds
    } else if (outcome === "cached") this.cached++
    else this.failed++
    if (outcome === "cached") return // a no-op rerun stays quiet; the summary counts them
    const n = [...this.finished.values()].reduce((a, b) => a + b, 0)
    const total = [...this.totals.values()].reduce((a, b) => a + b, 0)
    const line = `[${n}/${total}] ${outcome.padEnd(7)} ${label}${outcome === "done" ? ` (${fmtSeconds(seconds)})` : ""}${detail ? `: ${detail}` : ""}`
    if (this.live) {
      this.clear()
      this.out.write(line + "\n")
      this.redraw()
    } else {
      this.out.write(line + "\n")
    }
  }

  note(text: string): void {
    if (this.live) this.clear()
    this.out.write(`note: ${text}\n`)
    if (this.live) this.redraw()
  }

  summary(): ProgressSummary {
    return { executed: this.executed, cached: this.cached, failed: this.failed, seconds: (Date.now() - this.startedAt) / 1000 }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer)
    if (this.live) this.clear()
  }

  private clear(): void {
    if (this.lines > 0) this.out.write(`\x1b[${this.lines}A\x1b[J`)
    this.lines = 0
  }

  private redraw(): void {
    this.clear()
    const total = [...this.totals.values()].reduce((a, b) => a + b, 0)
    const done = [...this.finished.values()].reduce((a, b) => a + b, 0)
    const kinds = [...this.totals.entries()].map(([k, t]) => `${k} ${this.finished.get(k) ?? 0}/${t}`).join("  ")
    const remaining = total - done - this.running.size
    const avg = this.executed > 0 ? this.executedSeconds / this.executed : undefined
    const eta = avg !== undefined && remaining >= 0 ? ` · ETA ~${fmtSeconds((avg * (remaining + this.running.size)) / Math.max(1, this.running.size))}` : ""
    const width = this.out.columns ?? 100
    const rows = [`${done}/${total} tasks · ${fmtSeconds((Date.now() - this.startedAt) / 1000)}${eta}`, `  ${kinds}`]
    for (const [label, r] of [...this.running.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(0, 8)) {
      const pct = r.total > 0 ? ` ${Math.floor((100 * r.done) / r.total)}%` : ""
      rows.push(`  ▸ ${label}${pct} ${fmtSeconds((Date.now() - r.started) / 1000)}${r.message ? ` · ${r.message}` : ""}`)
    }
    const text = rows.map((r) => (r.length > width - 1 ? r.slice(0, width - 2) + "…" : r)).join("\n") + "\n"
    this.out.write(text)
    this.lines = rows.length
  }
}
