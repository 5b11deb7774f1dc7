/**
 * The modules a source file loads at run time, read from its text, and their transitive
 * closure: what a task implementation's version hashes (DESIGN.md section 4), so that editing
 * any module a step's code reaches reruns that step and editing any other module reruns nothing.
 *
 * Why a small scanner and not a library (es-module-lexer, dependency-cruiser, the TypeScript
 * compiler API): revo's sources follow one import style (ESM, string-literal specifiers, local
 * ones ending in `.ts`), the scan runs on every `revo plan`/`run`, and a parser or the compiler
 * would cost more start-up than the whole scan. The scanner is built to over-include, never to
 * miss: a specifier in a comment only adds a dependency (a needless rerun, never a stale
 * result); what it cannot see is a module named by a computed string, which revo does not do
 * (test/util/import-graph.test.ts checks every src/ file's imports resolve and are found).
 *
 * What counts as loaded: static `import`/`export … from` declarations (not `import type` /
 * `export type`, which type stripping erases), side-effect imports, `import("…")` with a
 * literal, `new URL("….ts", import.meta.url)` (worker entry points) and
 * `require(.resolve)?("pkg…")` (packages read as data, such as WordNet). Local modules are
 * hashed by content; packages by name and installed version; `node:` built-ins not at all
 * (they come with the Node version, which revo.lock records).
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { revoCacheDir } from "./cache-dir.ts"
import { sha256, writeFileAtomic } from "./fs.ts"

export interface ModuleScan {
  /** Local modules (absolute paths) this file loads. */
  readonly local: ReadonlyArray<string>
  /** Bare package names this file loads. */
  readonly packages: ReadonlyArray<string>
}

// Declarations start a line (revo's style: imports at the top, one statement per line or a
// brace list over several lines). The clause before `from` is spelled out (default, braces,
// namespace, star) so that the scan does not wander through every `export const`.
const DECLARATION = /^[ \t]*(?:import|export)(\s+type)?\s*(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s*as\s+[\w$]+)?|[\w$]+)\s*from\s*["']([^"']+)["']/gm
const SIDE_EFFECT = /^[ \t]*import\s*["']([^"']+)["']/gm
const DYNAMIC = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g
const WORKER_URL = /\bnew\s+URL\(\s*["']([^"']+\.ts)["']\s*,\s*import\.meta\.url\s*\)/g
const REQUIRE = /\brequire(?:\.resolve)?\(\s*["']([^"']+)["']\s*\)/g

/** The specifiers a source text loads at run time (type-only declarations left out). */
export const scanSpecifiers = (source: string): Array<string> => {
  const found = new Set<string>()
  for (const m of source.matchAll(DECLARATION)) {
    // `import type { A } from` is erased; `import { type A, b } from` is not (verbatimModuleSyntax keeps the import).
    if (m[1] === undefined) found.add(m[2]!)
  }
  // Each rarer form is looked for only in files that could hold it (the scan is on every plan).
  const rarer: Array<[string, RegExp]> = [["import", SIDE_EFFECT], ["import(", DYNAMIC], ["import.meta.url", WORKER_URL], ["require", REQUIRE]]
  for (const [hint, re] of rarer) if (source.includes(hint)) for (const m of source.matchAll(re)) found.add(m[1]!)
  return [...found].sort()
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export const packageName = (specifier: string): string => {
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!
}

const isLocal = (specifier: string) => specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/")

/**
 * Specifiers by the content hash of the text they were scanned from, kept on disk between runs:
 * every plan reads and hashes each module anyway (that is the version), but need not scan it
 * again (the scan is most of the cost). Keyed by content, an entry can never be stale.
 */
export class ScanCache {
  private readonly file: string | undefined
  private entries: Record<string, ReadonlyArray<string>> | undefined
  private added = 0

  /** `file`: where the cache lives; undefined keeps it in memory only. */
  constructor(file: string | undefined) {
    this.file = file
  }

  specifiers(hash: string, text: string): ReadonlyArray<string> {
    this.entries ??= this.load()
    const hit = this.entries[hash]
    if (hit !== undefined) return hit
    const found = scanSpecifiers(text)
    this.entries[hash] = found
    this.added++
    return found
  }

  /** Write the entries added since loading (atomically; a lost race only costs a rescan). */
  save(): void {
    if (this.file === undefined || this.entries === undefined || this.added === 0) return
    try {
      writeFileAtomic(this.file, JSON.stringify(this.entries))
      this.added = 0
    } catch {
      // a read-only cache folder only costs speed
    }
  }

  private load(): Record<string, ReadonlyArray<string>> {
    if (this.file === undefined || !existsSync(this.file)) return {}
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, "utf8"))
      return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed as Record<string, ReadonlyArray<string>> : {}
    } catch {
      return {} // torn or foreign: rebuilt
    }
  }
}

export class ImportGraph {
  readonly root: string
  /** Per file: the content hash it was scanned at and what it loads (one read per file per process). */
  private readonly scans = new Map<string, { readonly hash: string; readonly scan: ModuleScan }>()
  private readonly packageVersions = new Map<string, string>()
  private readonly cache: ScanCache

  /** `root`: the project folder; closure paths are hashed relative to it, so a moved checkout keeps its keys. */
  constructor(root: string, cache: ScanCache = new ScanCache(undefined)) {
    this.root = resolve(root)
    this.cache = cache
  }

  private read(file: string): { readonly hash: string; readonly scan: ModuleScan } {
    const hit = this.scans.get(file)
    if (hit) return hit
    if (!existsSync(file)) throw new Error(`import graph: ${relative(this.root, file)} does not exist`)
    const text = readFileSync(file, "utf8")
    const hash = sha256(text)
    const local: Array<string> = []
    const packages: Array<string> = []
    for (const s of this.cache.specifiers(hash, text)) {
      if (s.startsWith("node:")) continue
      if (isLocal(s)) {
        const target = resolve(dirname(file), s)
        // Only source modules carry code; a URL to a folder or a JSON file is data read elsewhere.
        if (target.endsWith(".ts") || target.endsWith(".js")) local.push(target)
      } else packages.push(packageName(s))
    }
    const entry = { hash, scan: { local, packages } }
    this.scans.set(file, entry)
    return entry
  }

  /** The installed version of a package (its package.json), or "missing". */
  private packageVersion(name: string): string {
    const hit = this.packageVersions.get(name)
    if (hit !== undefined) return hit
    const pj = join(this.root, "node_modules", name, "package.json")
    const version = existsSync(pj) ? String((JSON.parse(readFileSync(pj, "utf8")) as { version?: unknown }).version) : "missing"
    this.packageVersions.set(name, version)
    return version
  }

  /** Every local module reachable from `entry` (itself included), sorted, and the packages they load. */
  closure(entry: string): { readonly modules: ReadonlyArray<string>; readonly packages: ReadonlyArray<string> } {
    const seen = new Set<string>()
    const packages = new Set<string>()
    const stack = [resolve(entry)]
    while (stack.length > 0) {
      const f = stack.pop()!
      if (seen.has(f)) continue
      seen.add(f)
      const { scan } = this.read(f)
      for (const p of scan.packages) packages.add(p)
      for (const l of scan.local) if (!seen.has(l)) stack.push(l)
    }
    return { modules: [...seen].sort(), packages: [...packages].sort() }
  }

  /** sha256 (first 16 hex) of the closure: each module's project-relative path and content hash, each package's version. */
  version(entry: string): string {
    const { modules, packages } = this.closure(entry)
    const lines = [
      ...modules.map((m) => `${relative(this.root, m).split(sep).join("/")} ${this.read(m).hash}`),
      ...packages.map((p) => `${p}@${this.packageVersion(p)}`)
    ]
    const version = sha256(lines.join("\n")).slice(0, 16)
    this.cache.save()
    return version
  }
}

const projectRoot = fileURLToPath(new URL("../../", import.meta.url))
const shared = new ImportGraph(projectRoot, new ScanCache(join(revoCacheDir(), "import-scans-v1.json")))

/**
 * The implementation version of the module at `moduleUrl` (pass `import.meta.url`): the hash of
 * every module it loads, transitively, and of the packages they use. Nothing to bump by hand.
 */
export const implementationVersion = (moduleUrl: string): string => shared.version(fileURLToPath(moduleUrl))
