/** The built-in `retrieval` module plugin on real data: BM25 against a naive reference, ties, determinism. */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { rmSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { checkPredictions, PluginOutputError } from "../../src/backends/contract.ts"
import { loadPlugin, type LoadedPlugin } from "../../src/backends/registry.ts"
import { itemsOf, type Sample } from "../../src/data/sample.ts"
import { docsOf, searcher, tokenize } from "../../plugins/retrieval/bm25.ts"
import { indexOf } from "../../plugins/retrieval/index.ts"
import { loadRealDatasets, type RealDataset, split } from "./support/real-samples.ts"
import { failure, run, taskIn, tempDir } from "./support/tasks.ts"

let datasets: Map<string, RealDataset>
let plugin: LoadedPlugin
let root: string
before(async () => {
  datasets = new Map((await loadRealDatasets()).map((d) => [d.id, d]))
  plugin = await run(loadPlugin("retrieval"))
  root = tempDir("retrieval")
})
after(() => rmSync(root, { recursive: true, force: true }))

const ds = (id: string) => datasets.get(id)!

describe("retrieval module plugin", () => {
  test("identity: built-in module, version from the manifest, sha256 code hash", () => {
    assert.equal(plugin.identity.kind, "module")
    assert.equal(plugin.identity.name, "retrieval")
    assert.equal(plugin.identity.version, "1.0.0")
    assert.match(plugin.codeHash, /^[0-9a-f]{64}$/)
  })

  test("best match equals a naive BM25 scan over all documents (okvqa + context)", () => {
    const { train, eval: ev } = split(ds("aokvqa-val"))
    const p = { k1: 1.2, b: 0.75, fields: ["instruction", "context"] as const }
    const docs = docsOf(train, p.fields)
    const toks = docs.map((d) => tokenize(d.text))
    const s = searcher(indexOf(train))
    // naive: score every doc with the textbook formula, highest score, lowest index on ties
    const N = toks.length
    const avgdl = toks.reduce((a, t) => a + t.length, 0) / N
    const df = new Map<string, number>()
    for (const t of toks) for (const w of new Set(t)) df.set(w, (df.get(w) ?? 0) + 1)
    for (const item of ev.flatMap(itemsOf).slice(0, 60)) {
      const q = [...new Set(tokenize(item.instruction + "\n" + (item.context ?? "")))]
      let best = 0
      let bestScore = -1
      toks.forEach((t, d) => {
        let sc = 0
        for (const w of q) {
          const tf = t.filter((x) => x === w).length
          if (tf === 0) continue
          const n = df.get(w)!
          sc += Math.log(1 + (N - n + 0.5) / (n + 0.5)) * tf * (p.k1 + 1) / (tf + p.k1 * (1 - p.b + p.b * t.length / avgdl))
        }
        if (sc > bestScore + 1e-5) (bestScore = sc), (best = d)
      })
      const got = s.nearest(tokenize(item.instruction + "\n" + (item.context ?? "")), 1, 0)[0]!
      // float32 weights: accept a different doc only when it scores the same to within rounding
      if (got !== best) {
        const scoreOf = (d: number) => {
          let sc = 0
          for (const w of q) {
            const tf = toks[d]!.filter((x) => x === w).length
            if (tf === 0) continue
            const n = df.get(w)!
            sc += Math.log(1 + (N - n + 0.5) / (n + 0.5)) * tf * (p.k1 + 1) / (tf + p.k1 * (1 - p.b + p.b * toks[d]!.length / avgdl))
          }
          return sc
        }
        assert.ok(Math.abs(scoreOf(got) - scoreOf(best)) < 1e-4, `item ${item.id}: doc ${got} vs ${best}`)
      }
    }
  })

  test("tune + answer through the registry: every item answered, deterministic, training items find themselves", async () => {
    const train = ds("llava-instruct-100").samples
    const task = taskIn(root, "tune:llava-instruct-100")
    const outDir = join(root, "models", "llava")
    const progress: Array<number> = []
    await run(plugin.tune({
      task,
      tuneSet: { id: "llava-instruct-100", samples: train },
      params: { chunk_size: 100 },
      outDir,
      onProgress: (p) => Effect.sync(() => void progress.push(p.done))
    }))
    assert.deepEqual(progress, [100, 200, 300, 400, 458])
    const items = train.flatMap(itemsOf)
    const a1 = await run(plugin.answer({ task: taskIn(root, "predict:a"), modelDir: outDir, items, params: {} }))
    const a2 = await run(plugin.answer({ task: taskIn(root, "predict:b"), modelDir: outDir, items: [...items].reverse(), params: {} }))
    assert.equal(a1.size, items.length)
    assert.deepEqual([...a1].sort(), [...a2].sort())
    // LLaVA questions are specific: the item's own turn is the best match for most of them
    const self = items.filter((it) => a1.get(it.id) === it.references[0]).length
    assert.ok(self / items.length > 0.9, `only ${self} of ${items.length} found themselves`)
  })

  test("ties are broken by the seed, not by (dataset, id): independent of the tune set's order and of other documents", async () => {
    // POPE asks the same question of many images with different labels: a pure tie
    const pope = ds("pope-coco").samples.slice(0, 600)
    const q = "Is there a car in the image?"
    const same = pope.filter((s) => s.turns[0]!.instruction === q)
    assert.ok(new Set(same.map((s) => s.turns[0]!.references[0])).size === 2, "fixture: the question has both labels")
    const item = { ...itemsOf(same[same.length - 1]!)[0]!, id: "query#0" }
    const answerWith = async (order: ReadonlyArray<Sample>, seed: number, tag: string) => {
      const outDir = join(root, "models", `pope-${tag}`)
      await run(plugin.tune({ task: taskIn(root, `tune:pope-${tag}`), tuneSet: { id: "pope", samples: order }, params: {}, outDir }))
      return (await run(plugin.answer({ task: taskIn(root, `predict:pope-${tag}`), modelDir: outDir, items: [item], params: { seed } }))).get("query#0")!
    }
    const orders = [pope, [...pope].reverse(), [...pope.slice(300), ...pope.slice(0, 300)]]
    const bySeed: Array<string> = []
    for (const seed of [0, 1, 2, 3, 4, 5]) {
      const answers: Array<string> = []
      for (const [i, order] of orders.entries()) answers.push(await answerWith(order, seed, `${seed}-${i}`))
      assert.equal(new Set(answers).size, 1, `seed ${seed}: the same answer whatever the order`)
      bySeed.push(answers[0]!)
    }
    assert.equal(new Set(bySeed).size, 2, "the seed decides between the tied labels (both occur over 6 seeds)")
    // Same question, same answer: a text-only backend cannot tell these items apart.
    const s = searcher(indexOf(pope))
    const toks = tokenize(q)
    assert.deepEqual(s.nearest(toks, 1, 3), s.nearest(toks, 1, 3))
  })

  test("params.k: the answer is the majority among the k nearest (k = 1 is the nearest)", () => {
    const pope = ds("pope-coco").samples.slice(0, 600)
    const s = searcher(indexOf(pope))
    const q = tokenize("Is there a car in the image?")
    const near = s.nearest(q, 9, 0)
    assert.equal(near.length, 9)
    assert.equal(near[0], s.nearest(q, 1, 0)[0], "k = 1 is the head of the k-list")
    const votes = new Map<string, number>()
    for (const d of near) votes.set(s.index.responses[d]!, (votes.get(s.index.responses[d]!) ?? 0) + 1)
    const top = Math.max(...votes.values())
    assert.equal(votes.get(s.answer(q, 9, 0)), top)
    assert.equal(s.answer(q, 1, 0), s.index.responses[near[0]!])
  })

  test("bad params and an empty tune set fail with the plugin and task in the message", async () => {
    const e1 = await failure(plugin.tune({
      task: taskIn(root, "tune:bad"),
      tuneSet: { id: "x", samples: ds("pope-coco").samples.slice(0, 5) },
      params: { k1: 1.2, kl: 3 },
      outDir: join(root, "models", "bad")
    }))
    assert.equal(e1._tag, "PluginTaskError")
    assert.match(e1.message, /^plugin "retrieval" \(task tune:bad\): bad params: .*kl/s)
    const e2 = await failure(plugin.tune({
      task: taskIn(root, "tune:empty"),
      tuneSet: { id: "empty", samples: [] as Array<Sample> },
      params: {},
      outDir: join(root, "models", "empty")
    }))
    assert.equal(e2.message, `plugin "retrieval" (task tune:empty): tune set "empty" is empty`)
  })

  test("answers are checked: missing and unknown ids name the count and the first ids", async () => {
    const items = ds("okvqa-val").samples.slice(0, 10).flatMap(itemsOf)
    const partial = new Map(items.slice(3).map((it) => [it.id, "x"]))
    const e = await failure(checkPredictions("p", "predict:okvqa", items, partial))
    assert.ok(e instanceof PluginOutputError)
    assert.equal(
      e.message,
      `plugin "p" (task predict:okvqa): missing predictions for 3 of 10 items (first: ${items.slice(0, 3).map((i) => i.id).join(", ")})`
    )
    const extra = new Map([...items.map((it) => [it.id, "x"] as const), ["nope#0", "y"]])
    const e2 = await failure(checkPredictions("p", "predict:okvqa", items, extra))
    assert.equal(e2.message, `plugin "p" (task predict:okvqa): 1 predictions for unknown item ids (first: nope#0)`)
    const dup = await failure(plugin.answer({
      task: taskIn(root, "predict:dup"),
      modelDir: join(root, "models", "llava"),
      items: [items[0]!, items[0]!],
      params: {}
    }))
    assert.equal(dup.message, `plugin "retrieval" (task predict:dup): duplicate item id ${items[0]!.id} in the request`)
  })
})
