/**
 * SQ with crossfit on a real run: every train sample is also scored by the out-of-fold model of
 * its own dataset, and that model appears beside the other datasets' models in sq.parquet.
 */
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { test } from "node:test"
import * as Effect from "effect/Effect"
import { readSqParquet } from "../../src/hub/parquet.ts"
import { revo } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"

test("crossfit: K out-of-fold models per dataset score its train samples", async () => {
  const s = smallSpec()
  const r = revo(["run", s.spec, "--store", s.store, "--set", "quality.sq.crossfit=3"])
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
  const plan = JSON.parse(revo(["plan", s.spec, "--store", s.store, "--json", "--set", "quality.sq.crossfit=3"]).stdout) as { tasks: Array<{ task: string; status: string }> }
  assert.equal(plan.tasks.filter((t) => t.task.includes("~fold")).length, 3 * 3 * 3)
  assert.ok(plan.tasks.every((t) => t.status === "cached"))
})
