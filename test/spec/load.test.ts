import assert from "node:assert/strict"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { loadSpecSync } from "../../src/spec/load.ts"

const dataRoot = fileURLToPath(new URL("../../../shared/data", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "revo-spec-"))

/** A small valid spec over two real datasets; each case breaks it in one way. */
const base = `name: demo
data_root: ${dataRoot}
datasets:
  okvqa:
    source: { format: json, path: okvqa-val/okvqa_test_split.json }
    fields: { id: question_id, image: image_id, instruction: question, references: "answers[*]" }
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_random.json }
    fields: { id: question_id, image: image, instruction: text, references: label }
`

let n = 0
const problemsOf = (text: string, options: Parameters<typeof loadSpecSync>[1] = {}): Array<string> => {
  const file = join(dir, `case-${++n}.yaml`)
  writeFileSync(file, text)
  const r = loadSpecSync(file, { env: {}, ...options })
  if (r._tag === "ok") return []
  // Messages are compared without the temp folder, which differs per run.
  return r.error.message.split("\n").map((l) => l.replace(file, "SPEC"))
}

describe("spec loading: valid specs", () => {
  it("accepts the base spec and fills every default", () => {
    const file = join(dir, "ok.yaml")
    writeFileSync(file, base)
    const r = loadSpecSync(file, { env: {} })
    assert.equal(r._tag, "ok")
    if (r._tag !== "ok") return
    assert.equal(r.value.spec.seed, 0)
    assert.deepEqual(r.value.spec.metrics, ["bleu4", "meteor", "rouge_l"])
    assert.equal(r.value.spec.split.eval, 0.1)
    assert.equal(r.value.spec.select.budget, 0.5)
    assert.equal(r.value.spec.backend.plugin, "retrieval")
    assert.deepEqual(r.value.spec.backend.executor, { kind: "local" })
    assert.equal(r.value.dataRoot, dataRoot)
    assert.match(r.value.hash, /^[0-9a-f]{64}$/)
  })

  it("interpolates ${VAR} and ${VAR:-default}, typing a wholly interpolated number", () => {
    const file = join(dir, "env.yaml")
    writeFileSync(file, base.replace("name: demo", "name: ${NAME:-demo}\nseed: ${SEED}"))
    const r = loadSpecSync(file, { env: { SEED: "7" } })
    assert.equal(r._tag, "ok")
    if (r._tag === "ok") {
      assert.equal(r.value.spec.name, "demo")
      assert.equal(r.value.spec.seed, 7)
    }
  })

  it("applies typed --set overrides (numbers, booleans, lists)", () => {
    const file = join(dir, "set.yaml")
    writeFileSync(file, base)
    const r = loadSpecSync(file, { env: {}, set: ["split.eval=200", "select.controls.random=false", "metrics=[bleu1, cider]", "quality.mq=[cider]"] })
    assert.equal(r._tag, "ok")
    if (r._tag === "ok") {
      assert.equal(r.value.spec.split.eval, 200)
      assert.equal(r.value.spec.select.controls.random, false)
      assert.deepEqual(r.value.spec.metrics, ["bleu1", "cider"])
    }
  })

  it("the same spec with keys in another order has the same hash; a changed value changes it", () => {
    const a = join(dir, "order-a.yaml")
    const b = join(dir, "order-b.yaml")
    writeFileSync(a, base + "seed: 3\n")
    writeFileSync(b, "seed: 3\n" + base)
    const ra = loadSpecSync(a, { env: {} })
    const rb = loadSpecSync(b, { env: {} })
    const rc = loadSpecSync(a, { env: {}, set: ["seed=4"] })
    assert.ok(ra._tag === "ok" && rb._tag === "ok" && rc._tag === "ok")
    assert.equal(ra.value.hash, rb.value.hash)
    assert.notEqual(ra.value.hash, rc.value.hash)
  })

  it("resolves data_root against the spec file's folder, and --data-root over it", () => {
    const file = join(dir, "rel.yaml")
    writeFileSync(file, base.replace(`data_root: ${dataRoot}`, "data_root: ."))
    const r = loadSpecSync(file, { env: {}, dataRoot })
    assert.ok(r._tag === "ok")
    assert.equal(r.value.dataRoot, dataRoot)
  })
})

// Each kind of mistake, with the exact message a user sees.
const cases: ReadonlyArray<{ name: string; text: string; set?: ReadonlyArray<string>; expect: ReadonlyArray<string> }> = [
  {
    name: "unknown top-level key, with did-you-mean",
    text: base + "seeed: 3\n",
    expect: [`SPEC:10:1 seeed: Unknown key "seeed" (did you mean "seed"?)`]
  },
  {
    name: "unknown nested key, with did-you-mean",
    text: base + "split:\n  evl: 100\n",
    expect: [`SPEC:11:3 split.evl: Unknown key "evl" (did you mean "eval"?)`]
  },
  {
    name: "unknown key far from any known one lists the known keys",
    text: base + "select:\n  zzz: 1\n",
    expect: [`SPEC:11:3 select.zzz: Unknown key "zzz" (known keys: budget, controls, eval_size, per_dataset, policy, proof)`]
  },
  {
    name: "wrong type for a count",
    text: base + "split:\n  eval: ten\n",
    expect: [`SPEC:11:9 split.eval: Expected a positive integer (a count) or a fraction between 0 and 1, got "ten"`]
  },
  {
    name: "per-dataset eval size, negative",
    text: base.replace("references: label }", "references: label }\n    split: { eval: -3 }"),
    expect: [`SPEC:10:20 datasets.pope.split.eval: Expected a positive integer (a count) or a fraction between 0 and 1, got -3`]
  },
  {
    name: "unknown format",
    text: base.replace("format: jsonl", "format: jsonlines"),
    expect: [`SPEC:8:23 datasets.pope.source.format: Expected "llava" | "coco-captions" | "json" | "jsonl" | "csv", got "jsonlines"`]
  },
  {
    name: "missing name",
    text: base.replace("name: demo\n", ""),
    expect: [`SPEC:1:1 name: Missing required key "name"`]
  },
  {
    name: "bad dataset id",
    text: base.replace("  okvqa:", "  OK_VQA:"),
    expect: [`SPEC:4:3 datasets.OK_VQA: Dataset id "OK_VQA" must be lowercase letters, digits, '-' or '_' (e.g. okvqa, vqa-x)`]
  },
  {
    name: "duplicate dataset id",
    text: base + "  okvqa:\n    source: { format: json, path: okvqa-val/okvqa_test_split.json }\n",
    expect: [`SPEC:10:3 datasets.okvqa: Duplicate dataset id "okvqa" (first declared at line 4)`]
  },
  {
    name: "a dataset referenced but not declared",
    text: base + "select:\n  per_dataset:\n    okvq: { budget: 0.3 }\n",
    expect: [`SPEC:12:5 select.per_dataset.okvq: Dataset "okvq" is not declared in \`datasets\` (did you mean "okvqa"?)`]
  },
  {
    name: "a missing file",
    text: base.replace("coco_pope_random.json", "coco_pope_nope.json"),
    expect: [`SPEC:8:36 datasets.pope.source.path: File not found: ${dataRoot}/pope-coco/coco_pope_nope.json`]
  },
  {
    name: "an unset variable without default",
    text: base.replace("name: demo", "name: ${EXPERIMENT}"),
    expect: [
      `SPEC:1:7 name: Environment variable EXPERIMENT is not set and has no default (write \${EXPERIMENT:-value} to give one)`,
      `SPEC:1:7 name: Expected a lowercase id of letters, digits, '-' or '_' (e.g. okvqa, vqa-x), got "\${EXPERIMENT}"`
    ]
  },
  {
    name: "an MQ metric that is not computed",
    text: base + "metrics: [bleu4]\nquality:\n  mq: [bleu4, cider]\n",
    expect: [`SPEC:12:15 quality.mq.1: MQ metric "cider" is not computed: add it to \`metrics\` (now: bleu4)`]
  },
  {
    name: "an unknown metric",
    text: base + "metrics: [bleu4, spice, vqa_acuracy]\n",
    expect: [
      `SPEC:10:18 metrics.1: Unknown metric "spice"; known metrics: bleu1, bleu2, bleu3, bleu4, meteor, rouge_l, cider, vqa_accuracy, exact_match, yes_no, choice`,
      `SPEC:10:25 metrics.2: Unknown metric "vqa_acuracy" (did you mean "vqa_accuracy"?); known metrics: bleu1, bleu2, bleu3, bleu4, meteor, rouge_l, cider, vqa_accuracy, exact_match, yes_no, choice`
    ]
  },
  {
    name: "budget out of range",
    text: base + "select:\n  budget: 1.5\n",
    expect: [`SPEC:11:11 select.budget: Expected a fraction greater than 0 and at most 1, got 1.5`]
  },
  {
    name: "only one dataset",
    text: base.slice(0, base.indexOf("  pope:")),
    expect: [`SPEC:4:3 datasets: Expected at least two datasets (cross-evaluation needs others to compare with)`]
  },
  {
    name: "a json source without references mapping",
    text: base.replace(`, references: "answers[*]"`, ""),
    expect: [`SPEC:5:13 datasets.okvqa.fields.references: Format "json" needs a field mapping: add fields.references (and fields.instruction or instruction)`]
  },
  {
    name: "a slurm executor with a malformed time limit",
    text: base + "backend:\n  executor: { kind: slurm, time: two hours }\n",
    expect: [`SPEC:11:34 backend.executor.time: Expected a Slurm time limit such as 02:00:00, 30 or 1-00:00:00, got "two hours"`]
  },
  {
    name: "YAML syntax error",
    text: base + "split: [unclosed\n",
    expect: [`SPEC:11:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`]
  },
  {
    name: "a bad --set value names the flag",
    text: base,
    set: ["split.eval=ten"],
    expect: [`SPEC split.eval: --set split.eval=ten: Expected a positive integer (a count) or a fraction between 0 and 1, got "ten"`]
  },
  {
    name: "a --set without '='",
    text: base,
    set: ["split.eval"],
    expect: [`SPEC: --set split.eval: expected path=value, e.g. --set split.eval=200`]
  }
]

describe("spec loading: every mistake reported with file:line:col", () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(problemsOf(c.text, c.set ? { set: c.set } : {}), c.expect)
    })
  }

  it("reports all mistakes at once, in file order", () => {
    const text = base.replace("format: jsonl", "format: jsonx") + "seeed: 1\nsplit:\n  eval: ten\n"
    const lines = problemsOf(text)
    assert.equal(lines.length, 3)
    assert.deepEqual(lines.map((l) => l.split(" ")[0]), ["SPEC:8:23", "SPEC:10:1", "SPEC:12:9"])
  })
})
