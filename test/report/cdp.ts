/**
 * Minimal headless-Chromium driver over the Chrome DevTools Protocol (Node's global WebSocket),
 * so the report can be checked in a real browser without downloading one: Debian's `chromium`.
 * Loads a URL, collects console errors, uncaught exceptions and browser log errors (CSP
 * violations, failed loads), evaluates expressions, and takes full-page screenshots.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const CHROMIUM = process.env["REVO_CHROMIUM"] ?? "/usr/bin/chromium"

export interface PageProblem {
  readonly kind: "console" | "exception" | "log"
  readonly text: string
}

interface Pending {
  readonly resolve: (v: Record<string, unknown>) => void
  readonly reject: (e: Error) => void
}

export interface Page {
  /** load `url` and wait for its load event */
  readonly goto: (url: string) => Promise<void>
  readonly evaluate: <T>(expression: string) => Promise<T>
  /** PNG at `width` CSS px: the full page, or the band [y, y + height) of it */
  readonly screenshot: (width: number, band?: { readonly y: number; readonly height: number }) => Promise<Buffer>
  /** the page's full height in CSS px at `width` */
  readonly pageHeight: (width: number) => Promise<number>
  readonly problems: Array<PageProblem>
}

export interface Browser {
  readonly newPage: () => Promise<Page>
  readonly close: () => Promise<void>
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
    p.then(
      (v) => {
        clearTimeout(t)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(t)
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    )
  })

const waitForWsUrl = (proc: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let buf = ""
    const onData = (d: Buffer): void => {
      buf += d.toString("utf8")
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(buf)
      if (m?.[1] !== undefined) {
        proc.stderr?.off("data", onData)
        resolve(m[1])
      }
    }
    proc.stderr?.on("data", onData)
    proc.once("exit", (code) => reject(new Error(`chromium exited (${code}) before DevTools was up:\n${buf.slice(-2000)}`)))
    proc.once("error", reject)
  })

export const launch = async (): Promise<Browser> => {
  const profile = mkdtempSync(join(tmpdir(), "revo-chromium-"))
  const proc = spawn(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--hide-scrollbars",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank"
    ],
    { stdio: ["ignore", "ignore", "pipe"], detached: true }
  )
  const cleanup = (): void => {
    // the whole process group: chromium forks renderer and utility processes
    try {
      if (proc.pid !== undefined && proc.exitCode === null) process.kill(-proc.pid, "SIGKILL")
    } catch {
      // already gone
    }
    rmSync(profile, { recursive: true, force: true })
  }
  let ws: WebSocket
  try {
    const url = await withTimeout(waitForWsUrl(proc), 30_000, "chromium start")
    ws = new WebSocket(url)
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => resolve(), { once: true })
        ws.addEventListener("error", () => reject(new Error("websocket error")), { once: true })
      }),
      10_000,
      "CDP connect"
    )
  } catch (e) {
    cleanup()
    throw e
  }

  let nextId = 1
  const pending = new Map<number, Pending>()
  const listeners = new Map<string, (method: string, params: Record<string, unknown>) => void>()
  ws.addEventListener("message", (ev: MessageEvent) => {
    const msg = JSON.parse(String(ev.data)) as {
      id?: number
      result?: Record<string, unknown>
      error?: { message: string }
      method?: string
      params?: Record<string, unknown>
      sessionId?: string
    }
    if (msg.id !== undefined) {
      const p = pending.get(msg.id)
      pending.delete(msg.id)
      if (msg.error !== undefined) p?.reject(new Error(msg.error.message))
      else p?.resolve(msg.result ?? {})
    } else if (msg.method !== undefined && msg.sessionId !== undefined) {
      listeners.get(msg.sessionId)?.(msg.method, msg.params ?? {})
    }
  })
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> => {
    const id = nextId++
    const p = new Promise<Record<string, unknown>>((resolve, reject) => pending.set(id, { resolve, reject }))
    ws.send(JSON.stringify({ id, method, params, ...(sessionId !== undefined ? { sessionId } : {}) }))
    return withTimeout(p, 30_000, method)
  }

  const newPage = async (): Promise<Page> => {
    const { targetId } = (await send("Target.createTarget", { url: "about:blank" })) as { targetId: string }
    const { sessionId } = (await send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string }
    const problems: Array<PageProblem> = []
    let onLoad: (() => void) | undefined
    listeners.set(sessionId, (method, params) => {
      if (method === "Runtime.consoleAPICalled") {
        const type = String(params["type"])
        if (type === "error" || type === "assert" || type === "warning") {
          const args = (params["args"] as Array<{ value?: unknown; description?: string }> | undefined) ?? []
          problems.push({ kind: "console", text: `${type}: ${args.map((a) => String(a.value ?? a.description ?? "")).join(" ")}` })
        }
      } else if (method === "Runtime.exceptionThrown") {
        const d = params["exceptionDetails"] as { text?: string; exception?: { description?: string } } | undefined
        problems.push({ kind: "exception", text: `${d?.text ?? ""} ${d?.exception?.description ?? ""}`.trim() })
      } else if (method === "Log.entryAdded") {
        const e = params["entry"] as { level?: string; text?: string; url?: string } | undefined
        if (e?.level === "error" || e?.level === "warning") problems.push({ kind: "log", text: `${e.level}: ${e.text ?? ""} ${e.url ?? ""}`.trim() })
      } else if (method === "Page.loadEventFired") {
        onLoad?.()
      }
    })
    const pageHeight = async (width: number): Promise<number> => {
      await send("Emulation.setDeviceMetricsOverride", { width, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId)
      const m = (await send("Page.getLayoutMetrics", {}, sessionId)) as { cssContentSize: { height: number } }
      return Math.ceil(m.cssContentSize.height)
    }
    await send("Page.enable", {}, sessionId)
    await send("Runtime.enable", {}, sessionId)
    await send("Log.enable", {}, sessionId)
    return {
      problems,
      goto: async (url) => {
        const loaded = new Promise<void>((resolve) => {
          onLoad = resolve
        })
        const nav = (await send("Page.navigate", { url }, sessionId)) as { errorText?: string }
        if (nav.errorText !== undefined && nav.errorText !== "") throw new Error(`navigation failed: ${nav.errorText}`)
        await withTimeout(loaded, 30_000, `load ${url}`)
      },
      evaluate: async <T>(expression: string): Promise<T> => {
        const r = (await send("Runtime.evaluate", { expression, returnByValue: true }, sessionId)) as {
          result: { value?: unknown }
          exceptionDetails?: { text: string }
        }
        if (r.exceptionDetails !== undefined) throw new Error(`evaluate failed: ${r.exceptionDetails.text}`)
        return r.result.value as T
      },
      pageHeight: (width) => pageHeight(width),
      screenshot: async (width, band) => {
        const full = await pageHeight(width)
        const y = band?.y ?? 0
        const height = Math.max(1, Math.min(full - y, band?.height ?? full))
        const shot = (await send(
          "Page.captureScreenshot",
          { format: "png", captureBeyondViewport: true, clip: { x: 0, y, width, height, scale: 1 } },
          sessionId
        )) as { data: string }
        return Buffer.from(shot.data, "base64")
      }
    }
  }

  const close = async (): Promise<void> => {
    try {
      await withTimeout(send("Browser.close"), 5_000, "Browser.close")
    } catch {
      // fall through to the kill below
    }
    ws.close()
    await withTimeout(
      new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : proc.once("exit", () => resolve()))),
      5_000,
      "chromium exit"
    ).catch(() => undefined)
    cleanup()
  }
  return { newPage, close }
}
