// `revo score` at its edges, as users run it (bin/revo.js in a real subprocess, real fixture
// captions): a BOM is accepted like the data loader accepts it, an --output folder that does not
// exist yet is created, empty input and repeated ids are errors (or opted into), and a reader
// that stops early (`| head`) ends the run quietly.
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"

const cases = JSON.parse(readFileSync(new URL("../../../shared/metrics-fixtures/cases.json", import.meta.url), "utf8"))
const revoBin = new URL("../../bin/revo.js", import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), "revo-score-edges-"))
after(() => rmSync(dir, { recursive: true, force: true }))

type Case = { id: string; candidate: string; references: Array<string> }
const corpus: Array<Case> = cases.corpora.coco_fakecap.map((id: string) => cases.cases.find((c: Case) => c.id === id))
const jsonl = (rows: ReadonlyArray<Case>) => rows.map((c) => JSON.stringify({ id: c.id, candidate: c.candidate, references: c.references })).join("\n") + "\n"
const file = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}
const score = (...args: Array<string>) => spawnSync(process.execPath, [revoBin, "score", ...args], { encoding: "utf8" })

describe("revo score edge cases", () => {
  it("a UTF-8 byte order mark is accepted: the same scores as without it", () => {
    const plain = score("--input", file("plain.jsonl", jsonl(corpus)))
    const bom = score("--input", file("bom.jsonl", "\uFEFF" + jsonl(corpus)))
    assert.equal(bom.status, 0, bom.stderr)
    assert.equal(bom.stdout, plain.stdout)
  })

  it("--output into a folder that does not exist creates it (no stack trace)", () => {
    const out = join(dir, "new", "deeper", "scores.json")
    const r = score("--input", file("plain2.jsonl", jsonl(corpus)), "--metrics", "bleu4", "--output", out)
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stderr, "")
    assert.equal(JSON.parse(readFileSync(out, "utf8")).items.length, corpus.length)
  })

  it("an --output that cannot be opened is a one-line error, exit 2", () => {
    const r = score("--input", file("plain3.jsonl", jsonl(corpus)), "--metrics", "bleu4", "--output", dir + "/")
    assert.equal(r.status, 2)
    assert.match(r.stderr, /^revo score: \S+: E[A-Z]+: /)
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr)
  })

  it("empty input is an error, not all-zero scores", () => {
    for (const text of ["", "\n\n", "\uFEFF"]) {
      const r = score("--input", file("empty.jsonl", text))
      assert.equal(r.status, 2, `${JSON.stringify(text)}: ${r.stdout}`)
      assert.equal(r.stdout, "")
      assert.match(r.stderr, /^revo score: .*empty\.jsonl: no items to score \(the input is empty\)\n$/)
    }
  })

  it("a repeated id is an error naming both lines, unless --allow-duplicate-ids", () => {
    const rows = [...corpus.slice(0, 5), { ...corpus[7]!, id: corpus[2]!.id }]
    const input = file("dup.jsonl", jsonl(rows))
    const r = score("--input", input)
    assert.equal(r.status, 2)
    assert.equal(r.stderr, `revo score: ${input}:6: duplicate id ${JSON.stringify(corpus[2]!.id)} (first on line 3); pass --allow-duplicate-ids to score both\n`)
    const allowed = score("--input", input, "--allow-duplicate-ids")
    assert.equal(allowed.status, 0, allowed.stderr)
    assert.equal(JSON.parse(allowed.stdout).items.length, 6)
  })

  it("`revo score | head` ends quietly (no `write EPIPE`)", () => {
    const many = Array.from({ length: 200 }, (_, k) => corpus.map((c) => ({ ...c, id: `${c.id}-${k}` }))).flat()
    const input = file("many.jsonl", jsonl(many))
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${revoBin}" score --input "${input}" --metrics bleu4 2>"${dir}/err" | head -n 2; echo "rc=\${PIPESTATUS[0]}"`], { encoding: "utf8" })
    assert.match(r.stdout, /^\{"corpus": \{"bleu4":[0-9.e-]+\}, "items": \[\n\{"id":/)
    assert.equal(readFileSync(join(dir, "err"), "utf8"), "")
    assert.match(r.stdout, /rc=0\n$/)
  })
})
