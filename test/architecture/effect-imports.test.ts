/**
 * Start-up cost: a value import from the "effect" barrel loads every Effect module (about 300;
 * the CLI needs about 230), which was a tenth of a warm no-op run's CPU. Modules are imported
 * one by one (`import * as Effect from "effect/Effect"`); `import type` from the barrel is free.
 */
import assert from "node:assert/strict"
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { describe, it } from "node:test"
import { repoRoot } from "../support/cli.ts"

describe("effect imports", () => {
  it("no source file imports values from the effect barrel", () => {
    const offenders: Array<string> = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name)
        if (e.isDirectory()) walk(p)
        else if (e.name.endsWith(".ts")) {
          for (const m of readFileSync(p, "utf8").matchAll(/^[ \t]*(import|export)(\s+type)?[^"']*?from\s*"effect"/gm)) {
            if (m[2] === undefined) offenders.push(`${relative(repoRoot, p)}: ${m[0].replace(/\s+/g, " ").slice(0, 80)}`)
          }
        }
      }
    }
    for (const d of ["src", "plugins", "test", "bench"]) walk(join(repoRoot, d))
    assert.deepEqual(offenders, [])
  })
})
