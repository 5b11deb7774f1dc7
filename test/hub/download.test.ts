import assert from "node:assert/strict"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as nodePath from "node:path"
import { after, before, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import { downloadHubFile, formatHubUrl, parseHubUrl, parseHubUrlSync, resolveHubFile } from "../../src/hub/download.ts"
import { endpointFrom } from "../../src/hub/endpoint.ts"
import { startMockHub, type MockHub } from "../support/mock-hub.ts"

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/${p}`, import.meta.url))
const TOKEN = "hf_downloadSecretToken123"
const fastRetry = { baseDelay: "1 millis", times: 3 } as const

describe("parseHubUrl", () => {
  it("parses repo, revision and path; revision defaults to main", async () => {
    const a = await Effect.runPromise(parseHubUrl("hf://datasets/org/name@v1.0/data/train.jsonl"))
    assert.deepEqual(a, { url: "hf://datasets/org/name@v1.0/data/train.jsonl", type: "dataset", repo: "org/name", revision: "v1.0", path: "data/train.jsonl" })
    const b = parseHubUrlSync("hf://datasets/Lin-Chen/ShareGPT4V/share.json")
    assert.ok(!(b instanceof Error))
    assert.equal(b.revision, "main")
    assert.equal(b.path, "share.json")
    const c = parseHubUrlSync("hf://datasets/o/n@refs%2Fconvert%2Fparquet/default/train/0000.parquet")
    assert.ok(!(c instanceof Error))
    assert.equal(c.revision, "refs/convert/parquet")
    assert.equal(formatHubUrl(c), "hf://datasets/o/n@refs%2Fconvert%2Fparquet/default/train/0000.parquet")
  })

  it("rejects malformed URLs with a message naming the URL", () => {
    const cases: Array<[string, RegExp]> = [
      ["https://huggingface.co/datasets/o/n/f.json", /not a hf:\/\/ URL/],
      ["hf://models/o/n/f.json", /only dataset repos/],
      ["hf://o/n/f.json", /datasets\/' prefix/],
      ["hf://datasets/o/n@main", /missing the file path/],
      ["hf://datasets/o/n@/f.json", /invalid revision/],
      ["hf://datasets/o/n/../secret", /invalid file path/],
      ["hf://datasets/o/n//f.json", /invalid file path/],
      ["hf://datasets/-o/n/f.json", /organisation/]
    ]
    for (const [url, re] of cases) {
      const r = parseHubUrlSync(url)
      assert.ok(r instanceof Error, url)
      assert.equal(r._tag, "HubUrlError")
      assert.match(r.message, re, url)
      assert.ok(r.message.includes(url), r.message)
    }
  })
})

describe("endpointFrom", () => {
  it("explicit option > HF_ENDPOINT > huggingface.co", () => {
    assert.equal(endpointFrom({ endpoint: "http://x:1/", env: { HF_ENDPOINT: "http://y" } }), "http://x:1")
    assert.equal(endpointFrom({ env: { HF_ENDPOINT: "http://y/" } }), "http://y")
    assert.equal(endpointFrom({ env: {} }), "https://huggingface.co")
  })
})

describe("downloadHubFile against the loopback Hub", () => {
  let hub: MockHub
  let cacheDir: string
  let okvqa: Buffer
  let llava: Buffer
  const repo = "datasets/revo-test/okvqa"

  before(async () => {
    // 512 KiB as the LFS threshold makes the 1.5 MB OK-VQA file go through LFS, the small one not.
    hub = await startMockHub({ lfsThreshold: 512 * 1024, tokens: [TOKEN] })
    cacheDir = await fs.mkdtemp(nodePath.join(tmpdir(), "revo-hub-dl-"))
    okvqa = await fs.readFile(shared("data/okvqa-val/OpenEnded_mscoco_val2014_questions_clean.json"))
    llava = await fs.readFile(shared("data/llava-instruct-100/llava_instruct_100.json"))
    hub.putFiles(repo, { "questions.json": okvqa, "sub/dir/llava.json": llava })
    hub.putFiles(repo, { "questions.json": "{}" }, { branch: "dev" })
    hub.putFiles("datasets/revo-test/private", { "a.json": "[1]" }, { private: true })
  })
  after(async () => {
    await hub.close()
    await fs.rm(cacheDir, { recursive: true, force: true })
  })

  const opts = () => ({ endpoint: hub.url, cacheDir, env: {}, retry: fastRetry })

  it("downloads a file byte for byte, through LFS, into the cache keyed by repo+revision+path", async () => {
    hub.clearLog()
    const f = await Effect.runPromise(downloadHubFile("hf://datasets/revo-test/okvqa@main/questions.json", opts()))
    assert.equal(f.cached, false)
    assert.equal(f.size, okvqa.length)
    assert.ok(f.localPath.startsWith(cacheDir))
    assert.ok(f.localPath.includes(nodePath.join("revo-test", "okvqa", "main", "files", "questions.json")))
    assert.deepEqual(await fs.readFile(f.localPath), okvqa)
    assert.deepEqual(hub.log.map((l) => `${l.route} ${l.status}`), ["resolve 206", "resolve 200"])
    // no temp files left behind
    assert.deepEqual(await fs.readdir(nodePath.dirname(f.localPath)), ["questions.json"])
  })

  it("a cache hit makes no request", async () => {
    hub.clearLog()
    const again = await Effect.runPromise(downloadHubFile("hf://datasets/revo-test/okvqa/questions.json", opts()))
    assert.equal(again.cached, true)
    assert.deepEqual(await fs.readFile(again.localPath), okvqa)
    assert.equal(hub.log.length, 0)
  })

  it("keeps revisions apart and handles nested paths", async () => {
    const dev = await Effect.runPromise(resolveHubFile("hf://datasets/revo-test/okvqa@dev/questions.json", opts()))
    assert.equal(await fs.readFile(dev, "utf8"), "{}")
    const nested = await Effect.runPromise(resolveHubFile("hf://datasets/revo-test/okvqa@dev/sub/dir/llava.json", opts()))
    assert.deepEqual(await fs.readFile(nested), llava)
  })

  it("a commit sha works as a revision", async () => {
    const sha = hub.head(repo, "main")!
    const p = await Effect.runPromise(resolveHubFile(`hf://datasets/revo-test/okvqa@${sha}/sub/dir/llava.json`, opts()))
    assert.deepEqual(await fs.readFile(p), llava)
  })

  it("a missing file, revision or repo is a typed error naming the URL", async () => {
    const fail = (url: string) => Effect.runPromise(Effect.flip(downloadHubFile(url, opts())))
    const file = await fail("hf://datasets/revo-test/okvqa@main/nope.json")
    assert.equal(file._tag, "HubNotFoundError")
    assert.equal(file._tag === "HubNotFoundError" && file.what, "file")
    assert.match(file.message, /hf:\/\/datasets\/revo-test\/okvqa@main\/nope\.json: file not found/)
    const rev = await fail("hf://datasets/revo-test/okvqa@v9/questions.json")
    assert.equal(rev._tag === "HubNotFoundError" && rev.what, "revision")
    assert.match(rev.message, /hf:\/\/datasets\/revo-test\/okvqa@v9\/questions\.json: revision not found/)
    const repoErr = await fail("hf://datasets/revo-test/missing/questions.json")
    assert.equal(repoErr._tag === "HubNotFoundError" && repoErr.what, "repo")
    assert.match(repoErr.message, /hf:\/\/datasets\/revo-test\/missing\/questions\.json: repository not found/)
  })

  it("uses HF_TOKEN for private repos and never puts it in a message", async () => {
    const url = "hf://datasets/revo-test/private/a.json"
    const anon = await Effect.runPromise(Effect.flip(downloadHubFile(url, opts())))
    assert.equal(anon._tag, "HubNotFoundError")
    const p = await Effect.runPromise(resolveHubFile(url, { ...opts(), env: { HF_TOKEN: TOKEN } }))
    assert.equal(await fs.readFile(p, "utf8"), "[1]")
    hub.fail("resolve", 401)
    const rejected = await Effect.runPromise(Effect.flip(downloadHubFile("hf://datasets/revo-test/private@main/b.json", { ...opts(), env: { HF_TOKEN: TOKEN } })))
    assert.equal(rejected._tag, "HubAuthError")
    for (const e of [anon, rejected]) assert.ok(!e.message.includes(TOKEN))
  })

  it("reads the endpoint from HF_ENDPOINT and retries 5xx / 429", async () => {
    hub.clearLog()
    hub.fail("resolve", 503, { times: 2 })
    hub.fail("resolve", 429)
    const f = await Effect.runPromise(downloadHubFile("hf://datasets/revo-test/okvqa@main/sub/dir/llava.json", { cacheDir, env: { HF_ENDPOINT: hub.url }, retry: fastRetry }))
    assert.equal(f.cached, false)
    assert.deepEqual(await fs.readFile(f.localPath), llava)
    assert.deepEqual(hub.log.map((l) => l.status), [503, 503, 429, 206, 200])
  })

  it("gives up after the retries with the last status in the message", async () => {
    hub.fail("resolve", 500, { times: 10 })
    const e = await Effect.runPromise(Effect.flip(downloadHubFile("hf://datasets/revo-test/okvqa@dev/sub/dir/other.json", opts())))
    assert.equal(e._tag, "HubRequestError")
    assert.match(e.message, /HTTP 500/)
    hub.clearFaults()
  })
})
