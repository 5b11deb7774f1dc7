/**
 * `revo publish` as a user runs it, after a real run: the --dry-run tree and a publish to the
 * loopback Hub are the same files, byte for byte; a missing token stops before any upload; the
 * token is never printed or written; a demo backend's REVO-LION needs --allow-demo; the spec's
 * publish keys reach the card's metadata.
 */
import assert from "node:assert/strict"
import { readFileSync, statSync } from "node:fs"
import { listFiles as localFiles } from "../../src/util/fs.ts"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { listFiles } from "@huggingface/hub"
import { parse } from "yaml"
import { revo, revoAsync } from "../support/cli.ts"
import { startMockHub, type MockHub } from "../support/mock-hub.ts"
import { smallSpec, type SmallSpec } from "../support/small-spec.ts"

const TOKEN = "hf_cliPublishSecret0123456789"



// The published tree's files, relative and sorted: the product's own walker.
const filesUnder = (dir: string): Array<string> => localFiles(dir)

describe("revo publish", () => {
  let hub: MockHub
  let s: SmallSpec
  before(async () => {
    hub = await startMockHub({ tokens: [TOKEN] })
    s = smallSpec({ extra: `publish:
  pretty_name: REVO-LION small
  source_datasets: [lmms-lab/COCO-Caption, liuhaotian/LLaVA-Instruct-150K]
  task_categories: [image-text-to-text]
` })
    const r = revo(["run", s.spec, "--store", s.store])
    assert.equal(r.code, 0, r.stderr)
  })
  after(async () => {
    await hub.close()
  })

  it("refuses a REVO-LION selected by a demo backend unless --allow-demo, saying why, before writing or uploading anything", async () => {
    const dry = join(s.dir, "dry-refused")
    const d = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/demo", "--dry-run", dry], {})
    assert.equal(d.code, 2, d.stderr)
    assert.match(d.stderr, /selected with retrieval [\d.]+, a demo backend \(it sees text, no image pixels\)/)
    assert.match(d.stderr, /--allow-demo/)
    assert.throws(() => statSync(dry), "nothing written")
    hub.clearLog()
    const p = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/demo", "--endpoint", hub.url], { HF_TOKEN: TOKEN })
    assert.equal(p.code, 2)
    assert.equal(hub.log.length, 0, "no request reached the Hub")
  })

  it("the spec's publish keys set the card's pretty_name, source_datasets and task_categories", async () => {
    const dry = join(s.dir, "dry-meta")
    const d = await revoAsync(["publish", s.spec, "--store", s.store, "--dry-run", dry, "--allow-demo"], {})
    assert.equal(d.code, 0, d.stderr)
    const readme = readFileSync(join(dry, "README.md"), "utf8")
    const fm = parse(/^---\n([\s\S]*?)\n---\n/.exec(readme)![1]!) as Record<string, unknown>
    assert.equal(fm.pretty_name, "REVO-LION small")
    assert.deepEqual(fm.source_datasets, ["lmms-lab/COCO-Caption", "liuhaotian/LLaVA-Instruct-150K"])
    assert.deepEqual(fm.task_categories, ["image-text-to-text"])
    assert.match(readme, /^# REVO-LION small$/m)
    assert.ok(readFileSync(join(dry, "revo/spec.yaml")).equals(readFileSync(s.spec)), "the spec, verbatim")
  })

  it("without HF_TOKEN it stops before any upload, with a clear message", async () => {
    const r = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/small", "--endpoint", hub.url, "--allow-demo"], { HF_TOKEN: undefined })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /HF_TOKEN/)
    assert.ok(!hub.log.some((l) => l.route !== "whoami"), JSON.stringify(hub.log.map((l) => l.route)))
  })

  it("the dry-run tree and the published repo are the same files, byte for byte; the token appears nowhere", async () => {
    const dry = join(s.dir, "dry")
    const d = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/small", "--dry-run", dry, "--allow-demo"], {})
    assert.equal(d.code, 0, d.stderr)
    const local = filesUnder(dry)
    assert.ok(local.includes("README.md") && local.some((f) => /^data\/train-\d{5}-of-\d{5}\.parquet$/.test(f)), local.join(" "))

    const p = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/small", "--endpoint", hub.url, "--allow-demo"], { HF_TOKEN: TOKEN })
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
    const again = await revoAsync(["publish", s.spec, "--store", s.store, "--repo", "revo-test/small", "--endpoint", hub.url, "--allow-demo"], { HF_TOKEN: TOKEN })
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /Nothing to publish/)
    // The token is in no output, no result and no store file.
    for (const out of [p.stdout, p.stderr, again.stdout, again.stderr]) assert.ok(!out.includes(TOKEN))
    for (const f of filesUnder(s.dir)) assert.ok(!readFileSync(join(s.dir, f)).includes(TOKEN), `token found in ${f}`)
  })
})
