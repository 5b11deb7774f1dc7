import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { Ajv2020 } from "ajv/dist/2020.js"
import { parse } from "yaml"
import { repoRoot, revo, sharedData } from "../support/cli.ts"

const env = { ...process.env, REVO_DATA_ROOT: "" }

describe("revo validate / schema / help", () => {
  it("validates both experiment files", () => {
    for (const spec of ["experiments/quickstart.yaml", "experiments/revo-lion.yaml"]) {
      const r = revo(["validate", spec], { env })
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /: ok — experiment/)
    }
  })

  it("prints all three mistakes of a bad spec with file:line:col and exits 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "revo-cli-"))
    const file = join(dir, "three.yaml")
    writeFileSync(file, `name: three
data_root: ${sharedData}
datasets:
  okvqa:
    source: { format: json, path: okvqa-val/okvqa_test_split.json }
    fields: { instruction: question, references: "answers[*]" }
  pope:
    source: { format: jsonl, path: pope-coco/coco_pope_random.json }
    fields: { instruction: text, references: label }
    split: { eval: ten }
metrics: [bleu4, spice]
backend: { plugn: retrieval }
`)
    const r = revo(["validate", file], { env })
    assert.equal(r.code, 2)
    assert.deepEqual(r.stderr.trim().split("\n"), [
      `${file}:10:20 datasets.pope.split.eval: Expected a positive integer (a count) or a fraction between 0 and 1, got "ten"`,
      `${file}:11:18 metrics.1: Unknown metric "spice"; known metrics: bleu1, bleu2, bleu3, bleu4, meteor, rouge_l, cider, vqa_accuracy, exact_match, yes_no, choice`,
      `${file}:12:12 backend.plugn: Unknown key "plugn" (did you mean "plugin"?)`
    ])
  })

  it("exits 2 for a missing spec file", () => {
    const r = revo(["validate", "experiments/nope.yaml"], { env })
    assert.equal(r.code, 2)
    assert.equal(r.stderr.trim(), "experiments/nope.yaml: No such spec file")
  })

  it("`revo schema` equals the checked-in experiments/schema.json (regenerate with `npm run revo -- schema > experiments/schema.json`)", () => {
    const r = revo(["schema"])
    assert.equal(r.code, 0)
    assert.equal(r.stdout, readFileSync(join(repoRoot, "experiments/schema.json"), "utf8"))
  })

  it("the JSON Schema validates both experiment files, and rejects a typo", () => {
    const schema = JSON.parse(revo(["schema"]).stdout)
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema)
    for (const spec of ["experiments/quickstart.yaml", "experiments/revo-lion.yaml"]) {
      const text = readFileSync(join(repoRoot, spec), "utf8")
      assert.match(text, /^# yaml-language-server: \$schema=\.\/schema\.json$/m)
      assert.equal(validate(parse(text)), true, JSON.stringify(validate.errors))
    }
    assert.equal(validate({ name: "x", datasets: {}, seeed: 1 }), false)
  })

  it("--help lists every command; --version prints the version", () => {
    const help = revo(["--help"])
    assert.equal(help.code, 0)
    for (const c of ["run", "plan", "validate", "inspect", "status", "score", "report", "publish", "verify", "schema"]) {
      assert.match(help.stdout, new RegExp(`^  ${c}\\s`, "m"))
    }
    const v = revo(["--version"])
    assert.equal(v.code, 0)
    assert.match(v.stdout, /^revo v\d+\.\d+\.\d+/)
  })

  it("an unknown command exits 2", () => {
    const r = revo(["frobnicate"])
    assert.equal(r.code, 2)
    assert.match(r.stdout + r.stderr, /Unknown subcommand "frobnicate"/)
  })
})
