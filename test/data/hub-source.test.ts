/** hf:// sources: a real data file served by the loopback Hub, downloaded with @huggingface/hub and loaded. */
import { after, before, test } from "node:test"
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { hubFiles } from "../../src/hub/source.ts"
import { loadDataset } from "../../src/data/load.ts"
import { startMockHub, type MockHub } from "../support/mock-hub.ts"
import { DATA_ROOT, decl, failure, run } from "./support.ts"

let hub: MockHub
let commit: string
const cacheDir = mkdtempSync(join(tmpdir(), "revo-hubsrc-"))
const pope = readFileSync(join(DATA_ROOT, "pope-coco/coco_pope_random.json"))
const answers = readFileSync(join(DATA_ROOT, "llava-bench-coco/qa90_gpt4_answer.jsonl"))

before(async () => {
  hub = await startMockHub()
  commit = hub.putFiles("datasets/revo-test/vlit", { "pope/coco_pope_random.json": pope, "bench/answers.jsonl": answers })
})
after(async () => {
  await hub.close()
  rmSync(cacheDir, { recursive: true, force: true })
})

const popeDecl = (path: string) => decl({
  source: { format: "jsonl", path },
  fields: { id: "question_id", image: "image", instruction: "text", references: "label" },
  image_ids: "coco"
})

test("a hf:// source at a pinned commit loads like the local file, and is cached by revision", async () => {
  const ctx = { dataRoot: DATA_ROOT, remote: hubFiles({ endpoint: hub.url, cacheDir, env: {} }) }
  const remote = await run(loadDataset("pope-hub", popeDecl(`hf://datasets/revo-test/vlit@${commit}/pope/coco_pope_random.json`), ctx))
  const local = await run(loadDataset("pope-hub", popeDecl("pope-coco/coco_pope_random.json"), ctx))
  assert.equal(remote.samples.length, 3000)
  assert.deepEqual(remote.samples.map((s) => [s.id, s.image, s.turns]), local.samples.map((s) => [s.id, s.image, s.turns]))
  assert.equal(remote.files[0]!.sha256, local.files[0]!.sha256)
  assert.equal(remote.samples[0]!.origin.file, `hf://datasets/revo-test/vlit@${commit}/pope/coco_pope_random.json`)
  assert.ok(hub.log.some((r) => r.route === "resolve" && r.status < 300))
  hub.clearLog()
  await run(loadDataset("pope-hub", popeDecl(`hf://datasets/revo-test/vlit@${commit}/pope/coco_pope_random.json`), ctx))
  assert.equal(hub.log.length, 0, "second load served from the cache")
})

test("a joined file may come from the Hub too", async () => {
  const d = await run(loadDataset("bench", decl({
    source: { format: "jsonl", path: "llava-bench-coco/qa90_questions.jsonl" },
    joins: [{ as: "answer", path: `hf://datasets/revo-test/vlit@${commit}/bench/answers.jsonl`, format: "jsonl", key: "question_id", on: "question_id", required: true }],
    fields: { id: "question_id", instruction: "text", references: "answer.text" }
  }), { dataRoot: DATA_ROOT, remote: hubFiles({ endpoint: hub.url, cacheDir, env: {} }) }))
  assert.equal(d.samples.length, 90)
  assert.match(d.samples[0]!.turns[0]!.references[0]!, /black and brown with yellow details/)
})

test("a missing file or revision is a clear typed error", async () => {
  const ctx = { dataRoot: DATA_ROOT, remote: hubFiles({ endpoint: hub.url, cacheDir, env: {}, retry: { times: 0, baseDelay: "1 millis" as const } }) }
  const noFile = await failure(loadDataset("x", popeDecl(`hf://datasets/revo-test/vlit@${commit}/pope/absent.json`), ctx))
  assert.equal(noFile._tag, "HubNotFoundError")
  assert.match(noFile.message, /absent\.json/)
  const noRev = await failure(loadDataset("x", popeDecl("hf://datasets/revo-test/vlit@no-such-branch/pope/coco_pope_random.json"), ctx))
  assert.equal(noRev._tag, "HubNotFoundError")
})
