// Order independence on every shared dataset's real references (all eleven datasets of
// experiments/quickstart.yaml, loaded by the product's own loaders): each reference is scored
// as a candidate against the other references of its sample (or, for one-reference samples,
// of the other samples on the same image, or of the next few such samples). Per dataset, the 30 items with the longest
// references and 100 seeded-random others are scored in file order, reversed, shuffled, one at
// a time, in batches, on two threads, and through `revo score` forwards and backwards; every
// per-item value must be bit-identical across all of them (CIDEr-D only among runs over the
// same corpus). Task metrics vqa_accuracy and exact_match on every dataset, yes_no on POPE.
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { loadDatasets, type LoadedDataset } from "../../src/data/load.ts"
import { CAPTION_METRICS, Scorer, type ItemScores, type MetricName, type ScoreItem } from "../../src/metrics/index.ts"
import { DATA_ROOT, quickstart, run } from "../data/support.ts"
import { shuffled } from "../support/seeded-shuffle.ts"

const bin = new URL("../../bin/revo.js", import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), "revo-dataset-order-"))
after(() => rmSync(tmp, { recursive: true, force: true }))

/** Each reference against the others of its group (a sample's texts, else an image's). */
const itemsOf = (d: LoadedDataset): Array<ScoreItem> => {
  const groups: Array<[string, Array<string>]> = []
  const byImage = new Map<string, Array<string>>()
  for (const s of d.samples) {
    const texts = s.turns.flatMap((t) => t.references).filter((r) => r.trim() !== "")
    if (texts.length >= 2) groups.push([s.id, texts])
    else if (s.image.id !== undefined) byImage.set(s.image.id, [...(byImage.get(s.image.id) ?? []), ...texts])
  }
  // Texts alone on their image (single-turn data) are grouped five at a time, in order.
  const lone: Array<string> = []
  for (const [img, texts] of [...byImage].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (texts.length >= 2) groups.push([`img:${img}`, texts])
    else lone.push(...texts)
  }
  for (let i = 0; i + 1 < lone.length; i += 5) groups.push([`lone:${i}`, lone.slice(i, i + 5)])
  const items = groups.flatMap(([g, texts]) => texts.slice(0, 4).map((c, k) => ({ id: `${d.id}/${g}/${k}`, candidate: c, references: texts.filter((_, j) => j !== k) })))
  const size = (x: ScoreItem) => x.references.reduce((n, r) => n + r.length, 0)
  const longest = [...items].sort((a, b) => size(b) - size(a) || (a.id < b.id ? -1 : 1)).slice(0, 30)
  const rest = shuffled(items.filter((x) => !longest.includes(x)), 5).slice(0, 100)
  // The long ones late, where an earlier short item would have left small scratch buffers.
  return [...rest, ...longest]
}

const metricsFor = (dataset: string): Array<MetricName> =>
  [...CAPTION_METRICS, "vqa_accuracy", "exact_match", ...(dataset === "pope-coco" ? ["yes_no" as const] : [])]

const byId = (xs: ReadonlyArray<ItemScores>) => new Map(xs.map((x) => [x.id, x]))

let datasets: Record<string, LoadedDataset>
before(async () => {
  const s = await quickstart()
  datasets = await run(loadDatasets(s.spec.datasets, { dataRoot: DATA_ROOT }))
})

describe("every shared dataset's references: the same bits in every order", () => {
  it("eleven datasets through the pipeline's Scorer, every order, batch and thread count", async () => {
    assert.equal(Object.keys(datasets).length, 11)
    for (const [id, d] of Object.entries(datasets)) {
      const items = itemsOf(d)
      assert.ok(items.length >= 60, `${id}: ${items.length} items`)
      const metrics = metricsFor(id)
      const whole = (xs: ReadonlyArray<ScoreItem>) => byId(new Scorer(metrics).finishWith(xs).items)
      const base = whole(items)
      const threaded = new Scorer(metrics, { thread: true })
      for (const x of shuffled(items, 11)) threaded.add(x)
      const sameCorpus = [whole([...items].reverse()), whole(shuffled(items, 3)), byId((await threaded.finishAsync()).items)]
      const partial: Array<Map<string, ItemScores>> = [new Map(), new Map()]
      for (const x of items) for (const [k, v] of whole([x])) partial[0]!.set(k, v)
      const rev = [...items].reverse()
      for (let i = 0; i < rev.length; i += 13) for (const [k, v] of whole(rev.slice(i, i + 13))) partial[1]!.set(k, v)
      for (const x of items) {
        const want = base.get(x.id)!
        for (const m of metrics) {
          assert.ok(Number.isFinite(want[m]), `${id} ${x.id} ${m}`)
          for (const other of sameCorpus) assert.ok(Object.is(other.get(x.id)![m], want[m]), `${id} ${x.id} ${m}: ${other.get(x.id)![m]} vs ${want[m]}`)
          if (m === "cider") continue
          for (const other of partial) assert.ok(Object.is(other.get(x.id)![m], want[m]), `${id} ${x.id} ${m} (alone/batches): ${other.get(x.id)![m]} vs ${want[m]}`)
        }
      }
    }
  })

  it("all of them at once through `revo score`, forwards and backwards, equal the Scorer", () => {
    const items = Object.entries(datasets).flatMap(([, d]) => itemsOf(d))
    const metrics = [...CAPTION_METRICS, "vqa_accuracy", "exact_match"] as Array<MetricName>
    const want = byId(new Scorer(metrics).finishWith(items).items)
    for (const [k, xs] of [items, [...items].reverse()].entries()) {
      const input = join(tmp, `all-${k}.jsonl`)
      writeFileSync(input, xs.map((x) => JSON.stringify(x)).join("\n") + "\n")
      const r = spawnSync(process.execPath, [bin, "score", "--input", input, "--metrics", metrics.join(",")], { encoding: "utf8", maxBuffer: 1 << 28 })
      assert.equal(r.status, 0, r.stderr)
      const got = byId(JSON.parse(r.stdout).items)
      for (const x of items) for (const m of metrics) assert.ok(Object.is(got.get(x.id)![m], want.get(x.id)![m]), `revo score ${x.id} ${m}`)
    }
  })
})
