/**
 * A task implementation's version is the hash of its source files, so any change to the code
 * that computes a result invalidates that result (no hand-bumped version to forget).
 */
import { createHash } from "node:crypto"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const srcRoot = fileURLToPath(new URL("../", import.meta.url))

/** sha256 (first 16 hex) over the given files and folders under src/, paths sorted. */
export const codeVersion = (...paths: ReadonlyArray<string>): string => {
  const files: Array<string> = []
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) walk(join(p, f))
    else if (p.endsWith(".ts")) files.push(p)
  }
  for (const p of paths) walk(join(srcRoot, p))
  const h = createHash("sha256")
  for (const f of [...new Set(files)].sort()) h.update(f.slice(srcRoot.length)).update("\0").update(readFileSync(f)).update("\0")
  return h.digest("hex").slice(0, 16)
}
