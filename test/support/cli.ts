/** Run the real `revo` CLI in a subprocess, as a user would. */
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
export const sharedData = fileURLToPath(new URL("../../../shared/data", import.meta.url))
/** The CLI entry the tests start (one definition for every test). */
export const mainTs = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url))
const main = mainTs

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const revo = (args: ReadonlyArray<string>, options: SpawnSyncOptions = {}): CliResult => {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 600_000, ...options })
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) }
}

/** The CLI without blocking this process's event loop (for tests that serve HTTP in process). */
export const revoAsync = (args: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>> = {}): Promise<CliResult> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { cwd: repoRoot, env: { ...process.env, ...env } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
