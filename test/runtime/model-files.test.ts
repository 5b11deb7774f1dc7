/**
 * A tuned model's files are outputs like any other: damage to a stored model file is detected
 * and recomputed, and a damaged materialised copy under the store's models/ is rebuilt, so a
 * truncated postings file cannot outlive `--force 'tune:…'` (real data, the real CLI).
 */
import assert from "node:assert/strict"
import { readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, it } from "node:test"
import { revo } from "../support/cli.ts"
import { smallSpec, type SmallSpec } from "../support/small-spec.ts"

const run = (s: SmallSpec, ...extra: Array<string>) => revo(["run", s.spec, "--store", s.store, ...extra])
const report = (s: SmallSpec) => readFileSync(join(s.dir, "results", "small", "report.json"))
const planRows = (s: SmallSpec) =>
  (JSON.parse(revo(["plan", s.spec, "--store", s.store, "--json"]).stdout) as { tasks: Array<{ task: string; key: string; status: string; reason?: string }> }).tasks
const manifestOf = (s: SmallSpec, tuneSet: string): { hash: string; files: Record<string, string> } => {
  const key = planRows(s).find((r) => r.task === `tune:${tuneSet}`)!.key
  const record = JSON.parse(readFileSync(join(s.store, "tasks", `${key}.json`), "utf8")) as { outputs: Record<string, { hash: string }> }
  const hash = record.outputs["model"]!.hash
  return { hash, files: (JSON.parse(readFileSync(join(s.store, "objects", hash.slice(0, 2), hash), "utf8")) as { files: Record<string, string> }).files }
}

describe("model files: verified like any other output", () => {
  it("a truncated materialised postings file is rebuilt: --force 'tune:…' with its predicts recovers, with the same report", () => {
    const s = smallSpec()
    assert.equal(run(s).code, 0)
    const before = report(s)
    const m = manifestOf(s, "coco-mini")
    const postings = join(s.store, "models", m.hash, "postings.bin")
    truncateSync(postings, Math.floor(statSync(postings).size / 2))
    const r = run(s, "--force", "tune:coco-mini", "--force", "predict:coco-mini@*")
    assert.equal(r.code, 0, r.stderr)
    assert.ok(report(s).equals(before), "the report changed")
    assert.equal(statSync(postings).size, statSync(join(s.store, "objects", m.files["postings.bin"]!.slice(0, 2), m.files["postings.bin"]!)).size)
  })

  it("a damaged stored model file makes its tune task damaged: plan says so, the rerun recomputes it, the report does not change", () => {
    const s = smallSpec()
    assert.equal(run(s).code, 0)
    const before = report(s)
    const m = manifestOf(s, "llava-bench-coco")
    const h = m.files["model.json"]!
    const object = join(s.store, "objects", h.slice(0, 2), h)
    const bytes = readFileSync(object)
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x01
    writeFileSync(object, bytes)
    const row = planRows(s).find((r) => r.task === "tune:llava-bench-coco")!
    assert.equal(row.status, "run", "the damaged model file goes unnoticed")
    assert.match(row.reason ?? "", /output model\/model\.json does not match its recorded hash/)
    // The predicts that use this model run again from a fresh copy of the model.
    rmSync(join(s.store, "models"), { recursive: true })
    const r = run(s, "--force", "predict:llava-bench-coco@*")
    assert.equal(r.code, 0, r.stderr)
    assert.ok(report(s).equals(before), "the report changed: predictions came from a damaged model")
    assert.ok(readFileSync(object).equals(Buffer.from(bytes.map((b, i) => (i === bytes.length - 3 ? b ^ 0x01 : b)))), "the object was repaired")
  })
})
