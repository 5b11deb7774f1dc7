/** Run the real `revo` CLI in a subprocess, as a user would. */
import { spawnSync, type SpawnSyncOptions } from "node:child_process"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
export const sharedData = fileURLToPath(new URL("../../../shared/data", import.meta.url))
const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const revo = (args: ReadonlyArray<string>, options: SpawnSyncOptions = {}): CliResult => {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 600_000, ...options })
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) }
}
