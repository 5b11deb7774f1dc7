/**
 * `revo publish` as a user runs it, after a real run: the --dry-run tree and a publish to the
 * loopback Hub are the same files, byte for byte; a missing token stops before any upload; the
 * token is never printed or written.
 */
import assert from "node:assert/strict"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { listFiles } from "@huggingface/hub"
import { revo, revoAsync } from "../support/cli.ts"
import { startMockHub, type MockHub } from "../support/mock-hub.ts"
import { smallSpec, type SmallSpec } from "../support/small-spec.ts"

const TOKEN = "hf_cliPublishSecret0123456789"



const filesUnder = (dir: string): Array<string> => {
  const out: Array<string> = []
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(p.slice(dir.length + 1))
    }
  }
  walk(dir)
  return out.sort()
}

describe("revo publish", () => {
  let hub: MockHub
  let s: SmallSpec
  before(async () => {
    hub = await startMockHub({ tokens: [TOKEN] })
    s = smallSpec()
    const r = revo(["run", s.spec, "--store", s.store])
    assert.equal(r.code, 0, r.stderr)
  })
  after(async () => {
    await hub.close()
  })

  it("without HF_TOKEN it stops before any upload, with a clear message", async () => {
    const r = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/small", "--endpoint", hub.url], { HF_TOKEN: undefined })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /HF_TOKEN/)
    assert.ok(!hub.log.some((l) => l.route !== "whoami"), JSON.stringify(hub.log.map((l) => l.route)))
  })

  it("the dry-run tree and the published repo are the same files, byte for byte; the token appears nowhere", async () => {
    const dry = join(s.dir, "dry")
    const d = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/small", "--dry-run", dry], {})
    assert.equal(d.code, 0, d.stderr)
    const local = filesUnder(dry)
    assert.ok(local.includes("README.md") && local.some((f) => /^data\/train-\d{5}-of-\d{5}\.parquet$/.test(f)), local.join(" "))

    const p = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/small", "--endpoint", hub.url], { HF_TOKEN: TOKEN })
    assert.equal(p.code, 0, p.stderr)
    assert.match(p.stdout, new RegExp(`${hub.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/datasets/revo-test/small/commit/[0-9a-f]+`))
    const remote: Array<string> = []
    for await (const e of listFiles({ repo: { type: "dataset", name: "revo-test/small" }, recursive: true, hubUrl: hub.url, accessToken: TOKEN })) {
      if (e.type === "file") remote.push(e.path) // .gitattributes included: the tree's own replaces the Hub's default
    }
    assert.deepEqual(remote.sort(), local)
    for (const f of local) {
      const res = await fetch(`${hub.url}/datasets/revo-test/small/resolve/main/${f}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(dry, f))), `${f} differs`)
    }
    // Publishing the same tree again commits nothing.
    const again = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/small", "--endpoint", hub.url], { HF_TOKEN: TOKEN })
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /Nothing to publish/)
    // The token is in no output, no result and no store file.
    for (const out of [p.stdout, p.stderr, again.stdout, again.stderr]) assert.ok(!out.includes(TOKEN))
    for (const f of filesUnder(s.dir)) assert.ok(!readFileSync(join(s.dir, f)).includes(TOKEN), `token found in ${f}`)
  })
})
