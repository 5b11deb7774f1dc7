/** `revo inspect --json` on the quickstart: the counts of every SOURCE.md, splits and leakage moves. */
import { test } from "node:test"
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { TestConsole } from "effect/testing"
import { runInspect } from "../../src/cli/inspect.ts"
import { DATA_ROOT, QUICKSTART } from "./support.ts"
import { mainTs } from "../support/cli.ts"

const SOURCE_COUNTS: Record<string, { samples: number; items: number }> = {
  "llava-bench-coco": { samples: 90, items: 90 },
  "llava-instruct-100": { samples: 100, items: 458 },
  "llava-instruct-sampled-500": { samples: 500, items: 500 },
  "llava-pretrain-lcs-2k": { samples: 2183, items: 2183 },
  "aokvqa-val": { samples: 1145, items: 1145 },
  "okvqa-val": { samples: 4456, items: 4456 },
  "vqa-x": { samples: 1968, items: 1968 },
  "pope-coco": { samples: 3000, items: 3000 },
  "coco-captions-val2017": { samples: 5000, items: 5000 },
  "coco-mini": { samples: 80, items: 80 },
  "gqa-testdev-balanced": { samples: 12578, items: 12578 }
}

interface InspectJson {
  datasets: Record<string, { samples: number; items: number; bad_rows: number; train: number; eval: number; moved_for_leakage: number; eval_target: number; images: number; examples: Array<unknown>; references_per_item: { min: number; mean: number; max: number } }>
  leakage: { rule: string; conflicting_images: number }
}

const inspect = (json: boolean, dataset?: string) =>
  Effect.runPromise(Effect.gen(function*() {
    yield* runInspect({ spec: QUICKSTART, set: [], dataRoot: Option.some(DATA_ROOT), json, dataset: dataset === undefined ? Option.none() : Option.some(dataset) })
    return (yield* TestConsole.logLines).join("\n")
  }).pipe(Effect.provide(TestConsole.layer)))

const checkCounts = (out: InspectJson) => {
  assert.deepEqual(Object.keys(out.datasets).sort(), Object.keys(SOURCE_COUNTS).sort())
  for (const [id, want] of Object.entries(SOURCE_COUNTS)) {
    const d = out.datasets[id]!
    assert.equal(d.samples, want.samples, id)
    assert.equal(d.items, want.items, id)
    assert.equal(d.bad_rows, 0, id)
    assert.equal(d.train + d.eval, d.samples, id)
    assert.ok(d.eval > 0 && d.train > 0, id)
    assert.equal(d.examples.length, 2, id)
  }
  assert.equal(out.leakage.rule, "image")
  assert.ok(out.leakage.conflicting_images > 0)
}

test("inspect --json reports every dataset with its SOURCE.md counts", async () => {
  const out = JSON.parse(await inspect(true)) as InspectJson
  checkCounts(out)
  assert.deepEqual(out.datasets["coco-captions-val2017"]!.references_per_item, { min: 5, mean: 5.003, max: 7 })
  assert.equal(out.datasets["pope-coco"]!.images, 500)
  assert.ok(out.datasets["pope-coco"]!.moved_for_leakage > 0)
  assert.equal(out.datasets["llava-pretrain-lcs-2k"]!.moved_for_leakage, 0)
})

test("inspect text output and --dataset", async () => {
  const text = await inspect(false, "vqa-x")
  assert.match(text, /^vqa-x {2}\(key [0-9a-f]{12}; vqa-x\/vqaX_test\.json \+ coco-captions-val2017\/captions_val2017\.json\)/)
  assert.match(text, /samples 1968 · items 1968 · references\/item min 3 mean 3\.00 max 3 · images 1921/)
  assert.match(text, /split: train \d+ · eval \d+ \(target \d+\) · moved for leakage \d+/)
  assert.match(text, /example 1: 359000#0 \[image 359\]/)
  assert.doesNotMatch(text, /^okvqa-val/m)
  await assert.rejects(inspect(false, "nope"), /--dataset nope: no such dataset/)
})

test("revo inspect --json as a subprocess", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [mainTs, "inspect", QUICKSTART, "--json", "--data-root", DATA_ROOT], { maxBuffer: 64 << 20 })
  checkCounts(JSON.parse(stdout) as InspectJson)
})

test("inspect counts warnings: none on the quickstart", async () => {
  const out = JSON.parse(await inspect(true)) as InspectJson & { warnings: number; datasets: Record<string, { warnings: Array<string> }> }
  assert.equal(out.warnings, 0)
  assert.ok(Object.values(out.datasets).every((d) => d.warnings.length === 0))
})

test("revo inspect and revo run show the warnings of a join that matched no row and a context that is always empty", async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs")
  const { join } = await import("node:path")
  const { tmpdir } = await import("node:os")
  const dir = mkdtempSync(join(tmpdir(), "revo-warn-"))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const spec = join(dir, "warn.yaml")
  writeFileSync(spec, `name: warn
data_root: ${DATA_ROOT}
datasets:
  bench:
    source: { format: jsonl, path: llava-bench-coco/qa90_questions.jsonl }
    joins:
      - { as: answer, path: llava-bench-coco/qa90_gpt4_answer.jsonl, format: jsonl, key: question_id, on: question_id, required: true }
      - { as: caps, path: llava-bench-coco/caps_boxes_coco2014_val_80.jsonl, format: jsonl, key: image, on: question_id }
    fields: { id: question_id, image: image, instruction: text, references: answer.text }
    context: "{caps.captions[*]}"
    image_ids: coco
  coco-mini:
    source: { format: coco-captions, path: coco-mini/annotations/captions_train2017.json }
    instruction: Describe the image briefly.
split: { eval: 0.2 }
`)
  const expected = [
    "Dataset bench, join \"caps\": matched no row for any of 90 records (on: question_id gave keys like \"0\", keys of llava-bench-coco/caps_boxes_coco2014_val_80.jsonl look like \"000000296284.jpg\")",
    "Dataset bench, context \"{caps.captions[*]}\": empty for every one of 90 samples"
  ]
  const run = promisify(execFile)
  const { stdout } = await run(process.execPath, [mainTs, "inspect", spec, "--json"], { maxBuffer: 64 << 20 })
  const json = JSON.parse(stdout) as { warnings: number; datasets: Record<string, { warnings: Array<string> }> }
  assert.equal(json.warnings, 2)
  assert.deepEqual(json.datasets["bench"]!.warnings, expected)
  const text = await run(process.execPath, [mainTs, "inspect", spec], { maxBuffer: 64 << 20 })
  assert.ok(expected.every((w) => text.stdout.includes(`  warning: ${w}\n`)))
  assert.match(text.stdout, /; 2 warnings \(see above\)$/mu)
  // revo run prints them, also when the loads come from the store
  for (let pass = 0; pass < 2; pass++) {
    const r = await run(process.execPath, [mainTs, "run", spec, "--store", join(dir, "store", ".revo")], { maxBuffer: 64 << 20, cwd: dir })
    assert.deepEqual(r.stderr.split("\n").filter((l) => l.startsWith("warning: ")), expected.map((w) => `warning: ${w}`), `pass ${pass}`)
  }
})
