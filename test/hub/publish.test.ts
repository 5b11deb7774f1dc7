import assert from "node:assert/strict"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as nodePath from "node:path"
import { after, before, describe, it } from "node:test"
import { listFiles } from "@huggingface/hub"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import { downloadHubFile } from "../../src/hub/download.ts"
import { encodeSampleRows } from "../../src/hub/parquet.ts"
import { publishTree, type PublishOptions } from "../../src/hub/publish.ts"
import { buildRepoTree, readTree, writeTree, type TreeFile } from "../../src/hub/tree.ts"
import { startMockHub, type MockHub } from "../support/mock-hub.ts"
import { realTreeInput } from "./card-fixture.ts"
import { okvqaRows } from "./real-rows.ts"

const oneRow = okvqaRows(41)

const TOKEN = "hf_publishSecretToken0123456789"
const fast = { baseDelay: "1 millis", times: 4 } as const

/** Every log line and error message of the run, checked for the token at the end. */
const seen: Array<string> = []
const collector = Logger.make((o) => {
  seen.push(Logger.formatSimple.log(o))
})
const run = <A, E>(eff: Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromise(eff.pipe(
    Effect.tapError((e) => Effect.sync(() => seen.push(JSON.stringify(e), String((e as { message?: string }).message)))),
    Effect.provide(Logger.layer([collector])),
    Effect.provideService(References.MinimumLogLevel, "Debug")
  ))
const runFail = <A, E>(eff: Effect.Effect<A, E>): Promise<E> => run(Effect.flip(eff))

describe("publishTree against the loopback Hub", () => {
  let hub: MockHub
  let work: string
  let tree: Array<TreeFile>
  const opts = (repo: string, extra: Partial<PublishOptions> = {}): PublishOptions =>
    ({ repo, endpoint: hub.url, token: TOKEN, env: {}, retry: fast, ...extra })

  /** The repo's files (the tree's own .gitattributes replaces the Hub's default), listed and downloaded back with the library. */
  const fetchRepo = async (repo: string, revision = "main"): Promise<Array<TreeFile>> => {
    const paths: Array<string> = []
    for await (const e of listFiles({ repo: { type: "dataset", name: repo }, revision, recursive: true, hubUrl: hub.url, accessToken: TOKEN })) {
      if (e.type === "file") paths.push(e.path)
    }
    const cacheDir = await fs.mkdtemp(nodePath.join(work, "cache-"))
    const out: Array<TreeFile> = []
    for (const path of paths.sort()) {
      const f = await run(downloadHubFile(`hf://datasets/${repo}@${revision}/${path}`, { endpoint: hub.url, token: TOKEN, cacheDir, env: {} }))
      out.push({ path, bytes: new Uint8Array(await fs.readFile(f.localPath)) })
    }
    return out
  }
  const asBuffers = (t: ReadonlyArray<TreeFile>) => [...t].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, Buffer.from(f.bytes)])

  before(async () => {
    hub = await startMockHub({ tokens: [TOKEN] })
    work = await fs.mkdtemp(nodePath.join(tmpdir(), "revo-publish-"))
    tree = buildRepoTree(realTreeInput(40 * 1024))
  })
  after(async () => {
    await hub.close()
    await fs.rm(work, { recursive: true, force: true })
  })

  it("a dry run and a publish give the same tree, byte for byte", async () => {
    const dry = nodePath.join(work, "dry")
    await run(writeTree(dry, tree))
    const dryTree = await run(readTree(dry))
    hub.clearLog()
    const res = await run(publishTree(dryTree, opts("revo-test/revo-lion")))
    assert.equal(res.created, true)
    assert.equal(res.commits, 1)
    assert.equal(res.commitUrl, `${hub.url}/datasets/revo-test/revo-lion/commit/${hub.head("datasets/revo-test/revo-lion")}`)
    assert.equal(res.commitOid, hub.head("datasets/revo-test/revo-lion"))
    assert.deepEqual([...res.uploaded].sort(), dryTree.map((f) => f.path).sort())
    // whoami before anything else; Parquet went through LFS, README and .gitattributes as regular files
    const routes = hub.log.map((l) => l.route)
    assert.equal(routes[0], "whoami")
    assert.ok(routes.indexOf("repo-create") < routes.indexOf("preupload"))
    assert.equal(routes.filter((r) => r === "lfs-put").length, tree.filter((f) => f.path.endsWith(".parquet")).length)
    assert.match(hub.log.find((l) => l.route === "commit")!.detail!, new RegExp(`^ops=${tree.length} parent=[0-9a-f]{40}$`))
    assert.deepEqual(asBuffers(await fetchRepo("revo-test/revo-lion")), asBuffers(dryTree))
  })

  it("publishing the same tree again commits nothing", async () => {
    hub.clearLog()
    const res = await run(publishTree(tree, opts("revo-test/revo-lion")))
    assert.equal(res.commits, 0)
    assert.equal(res.unchanged.length, tree.length)
    assert.equal(res.created, false)
    assert.ok(!hub.log.some((l) => l.route === "preupload" || l.route === "commit"))
  })

  it("a changed tree replaces changed files and deletes stale shards", async () => {
    const next = buildRepoTree(realTreeInput(1 << 20))
    const res = await run(publishTree(next, opts("revo-test/revo-lion")))
    assert.ok(res.deleted.length > 0 && res.deleted.every((p) => p.startsWith("data/") || p.startsWith("sq/")))
    assert.deepEqual(asBuffers(await fetchRepo("revo-test/revo-lion")), asBuffers(next))
  })

  it("commits in batches of at most 100 operations, each on the previous head", async () => {
    // 205 small files (every 5th a Parquet shard of one real row), so the batching, not the encoding, is what runs
    const many: Array<TreeFile> = Array.from({ length: 205 }, (_, i) => i % 5 === 0
      ? { path: `data/part-${String(i).padStart(5, "0")}.parquet`, bytes: encodeSampleRows([oneRow[i % oneRow.length]!]) }
      : { path: `notes/n${String(i).padStart(5, "0")}.txt`, bytes: new TextEncoder().encode(`note ${i}\n`) })
    hub.clearLog()
    const res = await run(publishTree(many, opts("revo-test/many")))
    const commits = hub.log.filter((l) => l.route === "commit")
    assert.equal(res.commits, Math.ceil(many.length / 100))
    assert.equal(commits.length, res.commits)
    const ops = commits.map((c) => Number(/ops=(\d+)/.exec(c.detail!)![1]))
    assert.ok(ops.every((n) => n <= 100))
    assert.equal(ops.reduce((a, b) => a + b, 0), many.length)
    // (downloading back is covered above; here the server's state is enough)
    const files = hub.files("datasets/revo-test/many")
    files.delete(".gitattributes")
    assert.deepEqual([...files].sort(([a], [b]) => (a < b ? -1 : 1)), asBuffers(many))
  })

  it("publishes to another branch, created from main, leaving main alone", async () => {
    const mainHead = hub.head("datasets/revo-test/revo-lion")
    const small = tree.filter((f) => f.path === "README.md")
    const res = await run(publishTree(small.map((f) => ({ ...f, bytes: new TextEncoder().encode("# dev\n") })), opts("revo-test/revo-lion", { revision: "dev" })))
    assert.equal(hub.head("datasets/revo-test/revo-lion"), mainHead)
    assert.equal(hub.head("datasets/revo-test/revo-lion", "dev"), res.commitOid)
    assert.equal(hub.files("datasets/revo-test/revo-lion", "dev").get("README.md")!.toString(), "# dev\n")
  })

  describe("auth fails before any upload", () => {
    it("no token: a clear error and no request at all", async () => {
      hub.clearLog()
      const e = await runFail(publishTree(tree, opts("revo-test/auth", { token: undefined, env: {} })))
      assert.equal(e._tag, "HubAuthError")
      assert.match(e.message, /No Hugging Face token: set HF_TOKEN/)
      assert.equal(hub.log.length, 0)
    })

    it("a token that is not an HF token", async () => {
      const e = await runFail(publishTree(tree, opts("revo-test/auth", { token: undefined, env: { HF_TOKEN: "ghp_notahftoken" } })))
      assert.equal(e._tag === "HubAuthError" && e.reason, "malformed")
      assert.ok(!e.message.includes("ghp_notahftoken"))
      assert.equal(hub.log.length, 0)
    })

    it("a rejected token (401 from whoami): nothing is created or uploaded", async () => {
      const wrong = "hf_wrongTokenThatTheHubRejects1"
      const e = await runFail(publishTree(tree, opts("revo-test/auth", { token: undefined, env: { HF_TOKEN: wrong } })))
      assert.equal(e._tag === "HubAuthError" && e.reason, "rejected")
      assert.match(e.message, /rejected the token in HF_TOKEN \(401/)
      assert.ok(!e.message.includes(wrong) && !JSON.stringify(e).includes(wrong))
      hub.fail("whoami", 401)
      const injected = await runFail(publishTree(tree, opts("revo-test/auth")))
      assert.equal(injected._tag === "HubAuthError" && injected.reason, "rejected")
      assert.deepEqual(hub.log.map((l) => `${l.route} ${l.status}`), ["whoami 401", "whoami 401"])
      assert.ok(!hub.log.some((l) => l.route === "preupload" || l.route === "repo-create"))
    })
  })

  it("retries 429 and 5xx on every step, then succeeds", async () => {
    hub.clearLog()
    const before = seen.length
    hub.fail("whoami", 429)
    hub.fail("repo-info", 500)
    hub.fail("preupload", 502, { times: 2 })
    hub.fail("lfs-put", 503)
    hub.fail("commit", 429)
    const res = await run(publishTree(tree, opts("revo-test/flaky")))
    assert.equal(res.commits, 1)
    const statuses = (route: string) => hub.log.filter((l) => l.route === route).map((l) => l.status)
    assert.deepEqual(statuses("whoami"), [429, 200])
    assert.deepEqual(statuses("preupload").slice(0, 3), [502, 502, 200])
    assert.deepEqual(statuses("commit").slice(0, 1), [429])
    assert.equal(statuses("commit").at(-1), 200)
    assert.ok(seen.slice(before).some((l) => /HTTP 429.*retrying/.test(l)), "retries are logged")
    assert.deepEqual(asBuffers(await fetchRepo("revo-test/flaky")), asBuffers(tree))
  })

  it("gives up on a persistent 500 with the status in the message", async () => {
    hub.fail("preupload", 500, { times: 50 })
    const e = await runFail(publishTree(tree, opts("revo-test/down", { retry: { baseDelay: "1 millis", times: 2 } })))
    hub.clearFaults()
    assert.equal(e._tag, "HubRequestError")
    assert.match(e.message, /commit to revo-test\/down@main failed \(HTTP 500\)/)
  })

  it("a concurrent commit makes publish fail cleanly with 'the branch moved' (412), overwriting nothing", async () => {
    await run(publishTree(tree.slice(0, 2), opts("revo-test/race")))
    hub.before("preupload", () => {
      hub.putFiles("datasets/revo-test/race", { "NOTES.md": "someone else's change" })
    })
    hub.clearLog()
    const e = await runFail(publishTree(tree, opts("revo-test/race")))
    assert.equal(e._tag, "HubConflictError")
    assert.match(e.message, /the branch moved: revo-test\/race@main got a new commit while publishing; nothing was overwritten/)
    assert.deepEqual(hub.log.filter((l) => l.route === "commit").map((l) => l.status), [412]) // not retried
    const files = hub.files("datasets/revo-test/race")
    assert.equal(files.get("NOTES.md")!.toString(), "someone else's change")
    assert.ok(!files.has("README.md"))
    // publishing again goes on top of the other change
    const again = await run(publishTree(tree, opts("revo-test/race")))
    assert.equal(again.commits, 1)
    assert.ok(hub.files("datasets/revo-test/race").has("NOTES.md"))
  })

  it("an injected 412 is the same clear error", async () => {
    hub.fail("commit", 412)
    const e = await runFail(publishTree(tree.slice(0, 1).map((f) => ({ ...f, path: "data/x.parquet" })), opts("revo-test/race")))
    assert.equal(e._tag, "HubConflictError")
    assert.match(e.message, /branch moved/)
  })

  it("rejects a bad repo id before any request", async () => {
    hub.clearLog()
    const e = await runFail(publishTree(tree, opts("not-a-repo")))
    assert.equal(e._tag, "HubUrlError")
    assert.equal(hub.log.length, 0)
  })

  it("the token never appeared in any log line or error", () => {
    assert.ok(seen.length > 20, `captured ${seen.length} lines`)
    for (const line of seen) assert.ok(!line.includes(TOKEN), line)
  })
})
