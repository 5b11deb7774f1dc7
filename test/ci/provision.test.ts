/**
 * A fresh machine: `npm test` provisions what its tests need (Debian's chromium, through
 * .ci/provision.sh) and says what it installs, the same way for a developer and for CI, where
 * it used to fail with "/usr/bin/chromium not found" unless .ci/run had installed it first.
 * The machine here has chromium, so "missing" is a PATH without it, and the install itself is
 * a dry run (installing for real would change a shared machine).
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { repoRoot } from "../support/cli.ts"

const script = join(repoRoot, ".ci/provision.sh")
const provision = (env: Record<string, string | undefined>) =>
  spawnSync("/bin/bash", [script], { encoding: "utf8", env: env as NodeJS.ProcessEnv })

describe("npm test on a fresh machine", () => {
  it("`npm test` provisions first, and CI's .ci/run goes through `npm test` instead of installing on its own", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }
    assert.match(pkg.scripts["test"]!, /^bash \.ci\/provision\.sh && /)
    const ci = readFileSync(join(repoRoot, ".ci/run"), "utf8")
    assert.doesNotMatch(ci, /apt-get/)
    assert.match(ci, /\nnpm test\n/)
  })

  it("without chromium it says what it installs, and from where", () => {
    // A PATH that has bash but no chromium.
    const bin = mkdtempSync(join(tmpdir(), "revo-bare-path-"))
    symlinkSync("/bin/bash", join(bin, "bash"))
    const r = provision({ PATH: bin, REVO_PROVISION_DRY_RUN: "1" })
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, "provision: dry run, would run: apt-get update -q && apt-get install -y -q --no-install-recommends chromium\n")
    assert.match(r.stderr, /^provision: the tests need Debian's chromium \(headless report rendering\), which is not installed: apt-get install /)
  })

  it("with chromium installed it does nothing and says nothing", () => {
    const r = provision({ PATH: process.env["PATH"] })
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout + r.stderr, "")
  })

  it("a REVO_CHROMIUM that is not a browser is refused before the tests run", () => {
    const r = provision({ PATH: process.env["PATH"], REVO_CHROMIUM: "/nonexistent/chromium" })
    assert.equal(r.status, 1)
    assert.equal(r.stderr, "provision: REVO_CHROMIUM=/nonexistent/chromium is not an executable file\n")
  })
})
