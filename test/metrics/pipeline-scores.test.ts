// A real run's per-item scores equal each item scored alone: the small experiment (three real
// datasets, BLEU-4, METEOR, ROUGE-L, CIDEr-D) is run, and on a seeded sample of its score tasks
// (the REVO-LION eval set among them) every item of the cell is scored again on its own from
// the run's own predictions and eval items (read from the store). Every metric but CIDEr-D
// must have the same bits; CIDEr-D, whose document frequencies come from the cell's corpus,
// must equal the cell scored again as a whole.
import assert from "node:assert/strict"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { test } from "node:test"
import { itemsOf, type Sample } from "../../src/data/sample.ts"
import { Scorer, type ItemScores, type MetricName } from "../../src/metrics/index.ts"
import { revo } from "../support/cli.ts"
import { shuffled } from "../support/seeded-shuffle.ts"
import { smallSpec } from "../support/small-spec.ts"

interface Rec { readonly label: string; readonly inputs: Record<string, string>; readonly outputs: Record<string, { hash: string }> }

test("a run's per-item scores equal each item scored alone, on a sample of cells", () => {
  const s = smallSpec()
  const r = revo(["run", s.spec, "--store", s.store])
  assert.equal(r.code, 0, r.stderr)
  const recs = new Map(readdirSync(join(s.store, "tasks")).filter((f) => f.endsWith(".json")).map((f) => {
    const rec = JSON.parse(readFileSync(join(s.store, "tasks", f), "utf8")) as Rec
    return [rec.label, rec] as const
  }))
  const object = (hash: string): unknown => JSON.parse(readFileSync(join(s.store, "objects", hash.slice(0, 2), hash), "utf8"))
  const metrics: Array<MetricName> = ["bleu4", "meteor", "rouge_l", "cider"]
  const scoreLabels = [...recs.keys()].filter((l) => l.startsWith("score:")).sort()
  const sample = [...new Set([...shuffled(scoreLabels, 2026).slice(0, 4), scoreLabels.find((l) => l.endsWith("@revo-lion-eval.eval"))!])]
  let checked = 0
  for (const label of sample) {
    const [, tuneSet, evalPart] = /^score:(.+)@(.+)\.(eval|train)$/.exec(label)!.slice(0, 3) as [string, string, string]
    const part = label.endsWith(".train") ? "train" : "eval"
    const preds = object(recs.get(`predict:${tuneSet}@${evalPart}.${part}`)!.outputs["predictions"]!.hash) as Record<string, string>
    const from = evalPart === "revo-lion-eval" ? recs.get("select")!.outputs["eval:revo-lion-eval"]! : recs.get("split")!.outputs[`${part}:${evalPart}`]!
    const items = (object(from.hash) as Array<Sample>).flatMap(itemsOf).map((it) => ({ id: it.id, candidate: preds[it.id] ?? "", references: it.references }))
    const stored = (object(recs.get(label)!.outputs["scores"]!.hash) as { items: Array<ItemScores> }).items
    assert.equal(stored.length, items.length, label)
    const whole = new Scorer(metrics).finishWith(items).items
    stored.forEach((got, i) => {
      const alone = new Scorer(metrics).finishWith([items[i]!]).items[0]!
      assert.equal(got.id, items[i]!.id)
      for (const m of metrics) {
        const want = m === "cider" ? whole[i]![m] : alone[m]
        assert.ok(Object.is(got[m], want), `${label} ${got.id} ${m}: stored ${got[m]}, ${m === "cider" ? "whole cell" : "alone"} ${want}`)
      }
      checked++
    })
  }
  assert.ok(checked > 100, `${checked} items checked`)
})
