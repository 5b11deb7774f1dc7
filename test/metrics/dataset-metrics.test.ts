// Per-dataset metric sets end to end: a real run on real POPE and OK-VQA questions (the first
// 240 of each file, copied into a temp data root) next to LLaVA-Instruct conversations. POPE is
// judged by yes_no, OK-VQA by vqa_accuracy (exact_match also computed), the conversations by the
// caption metrics; MQ(T→E) uses E's set, and report.json and report.md say which metrics each
// eval column used. The cells' task values are checked against the task metrics recomputed
// from the run's own predictions and eval items (read from the store).
import assert from "node:assert/strict"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { itemsOf, type Sample } from "../../src/data/sample.ts"
import { Scorer } from "../../src/metrics/index.ts"
import { decodeReport } from "../../src/report/types.ts"
import { revo, sharedData } from "../support/cli.ts"

const dir = mkdtempSync(join(tmpdir(), "revo-dataset-metrics-"))
const data = join(dir, "data")
mkdirSync(join(data, "pope"), { recursive: true })
mkdirSync(join(data, "okvqa"), { recursive: true })
mkdirSync(join(data, "llava"), { recursive: true })
writeFileSync(join(data, "pope", "pope.jsonl"), readFileSync(join(sharedData, "pope-coco/coco_pope_adversarial.json"), "utf8").split("\n").slice(0, 240).join("\n") + "\n")
writeFileSync(join(data, "okvqa", "okvqa.json"), JSON.stringify(JSON.parse(readFileSync(join(sharedData, "okvqa-val/okvqa_test_split.json"), "utf8")).slice(0, 240)))
copyFileSync(join(sharedData, "llava-instruct-100/llava_instruct_100.json"), join(data, "llava", "llava.json"))
const spec = join(dir, "mixed.yaml")
writeFileSync(spec, `name: mixed
seed: 3
data_root: data
datasets:
  pope:
    source: { format: jsonl, path: pope/pope.jsonl }
    fields: { id: question_id, image: image, instruction: text, references: label }
    image_ids: coco
    metrics: [yes_no]
  okvqa:
    source: { format: json, path: okvqa/okvqa.json }
    fields: { id: question_id, image: image_id, instruction: question, references: "answers[*]" }
    image_ids: coco
    metrics: [vqa_accuracy, exact_match]
    mq: [vqa_accuracy]
  llava:
    source: { format: llava, path: llava/llava.json }
    image_ids: coco
split:
  eval: 0.25
metrics: [bleu4, rouge_l]
`)
const store = join(dir, "results", ".revo")

/** The store's task records by label, and an output's bytes. */
const records = (): Map<string, { inputs: Record<string, string>; outputs: Record<string, { hash: string }> }> =>
  new Map(readdirSync(join(store, "tasks")).filter((f) => f.endsWith(".json")).map((f) => {
    const r = JSON.parse(readFileSync(join(store, "tasks", f), "utf8"))
    return [r.label, r] as const
  }))
const object = (hash: string): unknown => JSON.parse(readFileSync(join(store, "objects", hash.slice(0, 2), hash), "utf8"))

test("datasets.<id>.metrics and .mq: POPE by yes_no, OK-VQA by vqa_accuracy, end to end", () => {
  const v = revo(["validate", spec])
  assert.equal(v.code, 0, v.stderr)
  const r = revo(["run", spec, "--store", store])
  assert.equal(r.code, 0, r.stderr)
  const report = decodeReport(JSON.parse(readFileSync(join(dir, "results", "mixed", "report.json"), "utf8")))
  assert.deepEqual(report.eval_metrics, {
    llava: { metrics: ["bleu4", "rouge_l"], mq: ["bleu4", "rouge_l"] },
    okvqa: { metrics: ["vqa_accuracy", "exact_match"], mq: ["vqa_accuracy"] },
    pope: { metrics: ["yes_no"], mq: ["yes_no"] },
    "revo-lion-eval": { metrics: ["bleu4", "rouge_l", "vqa_accuracy", "exact_match", "yes_no"], mq: ["bleu4", "rouge_l", "vqa_accuracy", "yes_no"], per_dataset: true },
  })
  const recs = records()
  for (const t of ["pope", "okvqa", "llava", "union", "revo-lion"]) {
    const pope = report.cross[t]!["pope"]!
    assert.equal(pope.mq, pope["yes_no"], `${t}→pope: MQ is yes_no`)
    assert.equal(pope["bleu4"], undefined, `${t}→pope: no caption metric`)
    for (const k of ["yes_no_precision", "yes_no_recall", "yes_no_f1", "yes_no_yes_ratio"]) assert.ok(typeof pope[k] === "number", `${t}→pope ${k}`)
    const ok = report.cross[t]!["okvqa"]!
    assert.equal(ok.mq, ok["vqa_accuracy"], `${t}→okvqa: MQ is vqa_accuracy alone`)
    assert.ok(ok["exact_match"] !== undefined && ok["yes_no"] === undefined)
    const ll = report.cross[t]!["llava"]!
    assert.equal(ll.mq, (ll["bleu4"]! + ll["rouge_l"]!) / 2, `${t}→llava: caption MQ`)
  }
  // The task values recomputed from this run's own predictions and eval items.
  for (const [t, e, metric] of [["llava", "pope", "yes_no"], ["pope", "okvqa", "vqa_accuracy"], ["okvqa", "pope", "yes_no"]] as const) {
    const score = recs.get(`score:${t}@${e}.eval`)!
    const preds = object(recs.get(`predict:${t}@${e}.eval`)!.outputs["predictions"]!.hash) as Record<string, string>
    const samples = object(recs.get("split")!.outputs[`eval:${e}`]!.hash) as Array<Sample>
    const items = samples.flatMap(itemsOf).map((it) => ({ id: it.id, candidate: preds[it.id] ?? "", references: it.references }))
    const want = new Scorer(e === "okvqa" ? ["vqa_accuracy", "exact_match"] : ["yes_no"]).finishWith(items)
    assert.equal(report.cross[t]![e]![metric], want.corpus[metric], `${t}→${e} ${metric}`)
    assert.deepEqual((object(score.outputs["scores"]!.hash) as { items: unknown }).items, want.items)
  }
  // MQ of the mixed REVO-LION eval set: its datasets' MQs weighted by their items.
  const mixed = recs.get("score:revo-lion@revo-lion-eval.eval")!
  const file = object(mixed.outputs["scores"]!.hash) as { by_dataset: Record<string, { corpus: Record<string, number>; items: number }> }
  const mqOf = { llava: (c: Record<string, number>) => (c["bleu4"]! + c["rouge_l"]!) / 2, okvqa: (c: Record<string, number>) => c["vqa_accuracy"]!, pope: (c: Record<string, number>) => c["yes_no"]! }
  let sum = 0
  let n = 0
  for (const d of ["llava", "okvqa", "pope"] as const) {
    const part = file.by_dataset[d]!
    sum += part.items * mqOf[d](part.corpus)
    n += part.items
  }
  assert.ok(Math.abs(report.cross["revo-lion"]!["revo-lion-eval"]!.mq - sum / n) <= 1e-12)
  const md = readFileSync(join(dir, "results", "mixed", "report.md"), "utf8")
  assert.match(md, /MQ = mean of each eval set's own metrics/)
  assert.match(md, /\| pope \| Yes\/no accuracy \| Yes\/no accuracy \|/)
})

test("revo validate: an MQ metric a dataset does not compute, and a typo, are located errors", () => {
  const bad = join(dir, "bad.yaml")
  writeFileSync(bad, readFileSync(spec, "utf8").replace("    mq: [vqa_accuracy]", "    mq: [yes_no]").replace("metrics: [yes_no]", "metrics: [yes_n]"))
  const r = revo(["validate", bad])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /bad\.yaml:9:15 datasets\.pope\.metrics\.0: Unknown metric "yes_n" \(did you mean "yes_no"\?\)/)
  const bad2 = join(dir, "bad2.yaml")
  writeFileSync(bad2, readFileSync(spec, "utf8").replace("    mq: [vqa_accuracy]", "    mq: [yes_no]"))
  const r2 = revo(["validate", bad2])
  assert.equal(r2.code, 2)
  assert.match(r2.stderr, /bad2\.yaml:\d+:\d+ datasets\.okvqa\.mq\.0: MQ metric "yes_no" is not computed for okvqa: add it to datasets\.okvqa\.metrics \(now: vqa_accuracy, exact_match\)/)
})
