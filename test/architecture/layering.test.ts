/**
 * The dependency direction of DESIGN.md section 4, checked on every import in src/ and plugins/
 * (type-only imports included: a type from an upper layer ties the lower one to it all the same):
 *
 *   cli → plan → runtime → {backends, quality, report, hub} → {data, metrics} → {spec, util}
 *
 * A module may import its own layer or any layer below; plugins/ sit with backends. No two
 * modules may import each other, directly or through others (a cycle of value imports).
 */
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { describe, it } from "node:test"
import { scanSpecifiers } from "../../src/util/import-graph.ts"
import { listFiles } from "../../src/util/fs.ts"
import { repoRoot } from "../support/cli.ts"

const rank: Readonly<Record<string, number>> = {
  cli: 6, plan: 5, runtime: 4, backends: 3, quality: 3, report: 3, hub: 3, plugins: 3, data: 2, metrics: 2, spec: 1, util: 0
}

const sources = (): Array<string> =>
  ["src", "plugins"].flatMap((d) => listFiles(join(repoRoot, d)).filter((f) => f.endsWith(".ts")).map((f) => join(repoRoot, d, f))).sort()

/** `src/data/load.ts` → "data"; `plugins/retrieval/x.ts` → "plugins". */
const layerOf = (file: string): string => {
  const [top, sub] = relative(repoRoot, file).split(sep)
  return top === "src" ? sub! : top!
}

const TYPE_IMPORT = /^[ \t]*(?:import|export)\s+type\s*(?:\{[^}]*\}|\*(?:\s*as\s+[\w$]+)?|[\w$]+)\s*from\s*["']([^"']+)["']/gm

/** Local imports of a file (value and type-only), resolved. */
const importsOf = (file: string): { value: Array<string>; types: Array<string> } => {
  const text = readFileSync(file, "utf8")
  const local = (s: string) => s.startsWith(".")
  const value = scanSpecifiers(text).filter(local).map((s) => resolve(dirname(file), s)).filter((p) => p.endsWith(".ts"))
  const types = [...text.matchAll(TYPE_IMPORT)].map((m) => m[1]!).filter(local).map((s) => resolve(dirname(file), s))
  return { value, types }
}

const rel = (p: string) => relative(repoRoot, p).split(sep).join("/")

describe("layering", () => {
  const files = sources()

  it("every src/ folder has a place in the order", () => {
    for (const f of files) assert.ok(layerOf(f) in rank, `${rel(f)}: folder ${layerOf(f)} is not in the dependency order`)
  })

  it("no module imports a layer above its own", () => {
    const upward: Array<string> = []
    for (const f of files) {
      const { value, types } = importsOf(f)
      for (const t of [...value, ...types]) {
        if (rank[layerOf(t)]! > rank[layerOf(f)]!) upward.push(`${rel(f)} → ${rel(t)} (${layerOf(f)} must not import ${layerOf(t)})`)
      }
    }
    assert.deepEqual([...new Set(upward)], [])
  })

  it("no cycle of imports between modules", () => {
    // A worker's entry point (new URL("x.ts", import.meta.url)) runs as a module graph of its own,
    // so a worker that calls back into the module starting it is not a cycle.
    const workers = (f: string) => new Set([...readFileSync(f, "utf8").matchAll(/new\s+URL\(\s*["']([^"']+\.ts)["']\s*,\s*import\.meta\.url/g)].map((m) => resolve(dirname(f), m[1]!)))
    const graph = new Map(files.map((f) => {
      const { value, types } = importsOf(f)
      const w = workers(f)
      return [f, [...new Set([...value, ...types])].filter((t) => !w.has(t))]
    }))
    const state = new Map<string, "open" | "done">()
    const cycles: Array<string> = []
    const visit = (f: string, path: Array<string>) => {
      if (state.get(f) === "done") return
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].map(rel).join(" → "))
        return
      }
      state.set(f, "open")
      for (const t of graph.get(f) ?? []) visit(t, [...path, f])
      state.set(f, "done")
    }
    for (const f of files) visit(f, [])
    assert.deepEqual(cycles, [])
  })
})
