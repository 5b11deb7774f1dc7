/**
 * A full disk and a read-only store, for real: the store lives on a small tmpfs this test mounts
 * (and unmounts). revo must say which task could not write which path and what to do, never
 * print an errno stack trace, leave no temp file behind, keep what it finished, and sweep temp
 * files that an interrupted write left. Needs root (mount); skipped, saying so, without it.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { revo } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"

const sh = (cmd: string, ...args: Array<string>) => {
  const r = spawnSync(cmd, args, { encoding: "utf8" })
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`)
}

/** Every path under `dir` whose name marks an unfinished write. */
const leftovers = (dir: string): Array<string> => {
  const out: Array<string> = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (/\.(tmp|stale)-\d+/.test(e.name)) out.push(join(d, e.name))
      if (e.isDirectory() && e.name !== "work") walk(join(d, e.name))
    }
  }
  walk(dir)
  return out
}

const root = process.getuid?.() === 0

describe("storage failures: full disk, read-only store", { skip: root ? false : "needs root to mount a small tmpfs" }, () => {
  it("ENOSPC names the task, path and remedy; nothing half-written stays; after freeing space the rerun keeps what was finished; EROFS likewise; leftovers are swept", () => {
    const s = smallSpec()
    const mnt = mkdtempSync(join(tmpdir(), "revo-tmpfs-"))
    sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt)
    try {
      const store = join(mnt, ".revo")
      const full = revo(["run", s.spec, "--store", store])
      assert.equal(full.code, 1, full.stderr)
      assert.doesNotMatch(full.stderr, /\n\s+at /, `a stack trace:\n${full.stderr}`)
      assert.match(full.stderr, new RegExp(`- (load|split|tune|predict|score|aggregate|sq|select|report)[^\\n]*: [^\\n]*cannot write ${mnt}/\\.revo/[^\\n]*: no space left on device \\(ENOSPC\\)\\. Free space on that disk \\(or use --store DIR on a bigger one\\) and run the same command again: finished tasks are kept`))
      assert.deepEqual(leftovers(mnt), [], "temp files left behind")

      sh("mount", "-o", "remount,size=64m", mnt)
      const again = revo(["run", s.spec, "--store", store])
      assert.equal(again.code, 0, again.stderr)
      assert.match(again.stderr, /\d+ tasks: \d+ run, [1-9]\d* cached, 0 failed/, "what finished before the disk filled was kept")

      // Leftovers of a write that a crash interrupted are swept at the next start.
      const stray = [join(store, "objects", "ab", `ab12.tmp-999999-x`), join(store, "tasks", `k.json.tmp-999999-y`)]
      mkdirSync(join(store, "objects", "ab"), { recursive: true })
      for (const f of stray) writeFileSync(f, "half")
      mkdirSync(join(store, "models", `${"0".repeat(64)}.tmp-999999`), { recursive: true })
      const swept = revo(["run", s.spec, "--store", store])
      assert.equal(swept.code, 0, swept.stderr)
      assert.match(swept.stderr, /Removed 3 temp file\(s\) left by interrupted writes/)
      for (const f of stray) assert.ok(!existsSync(f))

      sh("mount", "-o", "remount,ro", mnt)
      const ro = revo(["run", s.spec, "--store", store])
      assert.equal(ro.code, 1, ro.stderr)
      assert.doesNotMatch(ro.stderr, /\n\s+at /, `a stack trace:\n${ro.stderr}`)
      assert.match(ro.stderr, new RegExp(`cannot take the store's lock at ${mnt}/\\.revo/lock: read-only file system \\(EROFS\\)\\. revo must write there: make it writable \\(remount read-write, fix its owner or mode\\) or use --store DIR on a writable disk`))
    } finally {
      spawnSync("umount", [mnt])
    }
  })
})
