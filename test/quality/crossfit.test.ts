/**
 * SQ with crossfit on a real run: every train sample is also scored by the out-of-fold model of
 * its own dataset, and that model appears beside the other datasets' models in sq.parquet.
 */
import assert from "node:assert/strict"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { test } from "node:test"
import * as Effect from "effect/Effect"
import { readSqParquet } from "../../src/hub/parquet.ts"
import { foldOf, splitHash } from "../../src/data/split.ts"
import { revo, sharedData } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"

test("crossfit: K out-of-fold models per dataset score its train samples", async () => {
  const s = smallSpec()
  // keep_degenerate: every other model scores every sample here (coco-mini's caption queries are
  // all alike, so the other models answer them with one string and would otherwise be left out)
  const sets = ["--set", "quality.sq.crossfit=3", "--set", "quality.keep_degenerate=true"]
  const r = revo(["run", s.spec, "--store", s.store, ...sets])
  assert.equal(r.code, 0, r.stderr)
  const rows = await Effect.runPromise(readSqParquet(readFileSync(join(s.dir, "results", "small", "revolion", "sq.parquet"))))
  const datasets = ["coco-mini", "llava-bench-coco", "llava-instruct-100"]
  for (const d of datasets) {
    const mine = rows.filter((x) => x.dataset === d)
    assert.ok(mine.length > 0)
    for (const row of mine) {
      const models = row.per_model.map((m) => m.model).sort()
      assert.deepEqual(models, [...datasets.filter((o) => o !== d), `${d}~crossfit`].sort(), `${d}/${row.id}`)
    }
  }
  // 3 folds x (tune, predict, score) per dataset on top of the plain graph.
  const plan = JSON.parse(revo(["plan", s.spec, "--store", s.store, "--json", ...sets]).stdout) as { tasks: Array<{ task: string; status: string }> }
  assert.equal(plan.tasks.filter((t) => t.task.includes("~fold")).length, 3 * 3 * 3)
  assert.ok(plan.tasks.every((t) => t.status === "cached"))
})

test("crossfit folds are grouped by image: no image on both sides of any fold (LLaVA-Bench: 3 questions per COCO image)", () => {
  const samples = readFileSync(join(sharedData, "llava-bench-coco/qa90_questions.jsonl"), "utf8").trim().split("\n")
    .map((l) => JSON.parse(l) as { question_id: number; image: string })
    .map((q) => ({ id: String(q.question_id), image: { id: q.image } }))
  const images = new Set(samples.map((s) => s.image.id))
  assert.ok(images.size < samples.length / 2, "several samples share each image, so the test means something")
  for (const k of [2, 3, 5]) {
    for (let f = 0; f < k; f++) {
      const heldout = new Set(samples.filter((s) => foldOf(7, "llava-bench-coco", s, k) === f).map((s) => s.image.id))
      const train = samples.filter((s) => foldOf(7, "llava-bench-coco", s, k) !== f)
      assert.ok(heldout.size > 0, `fold ${f} of ${k} is not empty`)
      assert.deepEqual(train.filter((s) => heldout.has(s.image.id)).map((s) => s.id), [], `fold ${f} of ${k}`)
    }
  }
  // Folding by sample id (the old rule) puts most held-out images in the fold's training part.
  const byId = (s: { id: string }) => Math.min(2, Math.floor(splitHash(8, "llava-bench-coco", s.id) * 3))
  const leaked = samples.filter((s) => samples.some((o) => o.image.id === s.image.id && byId(o) !== byId(s)))
  assert.ok(leaked.length > samples.length / 2, `${leaked.length} of ${samples.length}`)
})

test("an empty eval split fails the run before any task, naming the dataset and the reason (never a cell of 0)", () => {
  const s = smallSpec()
  const r = revo(["run", s.spec, "--store", s.store, "--set", "split.eval=1"])
  assert.equal(r.code, 2)
  assert.equal(r.stderr.trim(), `${s.spec}:23:9 split.eval: dataset llava-bench-coco: the eval split is empty (target 1 of 90 samples; the leakage rule (split.leakage: image) ` +
    "moved 1 sample to train because their image is on the other side); raise split.eval or datasets.llava-bench-coco.split.eval")
  assert.ok(!existsSync(s.store), "no task ran: the store was never opened")
})
