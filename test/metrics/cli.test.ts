// `revo score` end to end: a real subprocess over JSON Lines built from the fixture cases,
// checked against the reference numbers; malformed input; standard input; the Effect API.
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { runScore } from "../../src/cli/score-command.ts"

const fixtures = new URL("../../../shared/metrics-fixtures/", import.meta.url)
const cases = JSON.parse(readFileSync(new URL("cases.json", fixtures), "utf8"))
const expected = JSON.parse(readFileSync(new URL("expected.json", fixtures), "utf8"))
const script = new URL("../../src/cli/score.ts", import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), "revo-score-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

const corpusIds: Array<string> = cases.corpora.edge
const lines = corpusIds.map((id) => {
  const c = cases.cases.find((x: { id: string }) => x.id === id)
  return JSON.stringify({ id: c.id, candidate: c.candidate, references: c.references })
})
const input = join(dir, "edge.jsonl")
writeFileSync(input, lines.join("\n") + "\n")

const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`)

const run = (args: Array<string>, stdin?: string) =>
  spawnSync(process.execPath, [script, ...args], { encoding: "utf8", ...(stdin !== undefined ? { input: stdin } : {}) })

describe("revo score (node src/cli/score.ts)", () => {
  it("scores a JSON Lines file into the output file, in input order, matching the toolkits", () => {
    const out = join(dir, "out.json")
    const r = run(["--input", input, "--metrics", "bleu4,meteor,rouge_l,cider", "--output", out])
    assert.equal(r.status, 0, r.stderr)
    const res = JSON.parse(readFileSync(out, "utf8"))
    assert.deepEqual(Object.keys(res.corpus), ["bleu4", "meteor", "rouge_l", "cider"])
    const pc = expected.per_corpus.edge
    close(res.corpus.bleu4, pc.coco_bleu.bleu_4, "bleu4")
    close(res.corpus.meteor, pc.nltk_meteor_mean["wordnet_3.0"], "meteor")
    close(res.corpus.rouge_l, pc.coco_rouge_l, "rouge_l")
    close(res.corpus.cider, pc.coco_cider_d, "cider")
    assert.deepEqual(res.items.map((x: { id: string }) => x.id), corpusIds)
    res.items.forEach((x: Record<string, number>, i: number) => {
      const e = expected.per_case[corpusIds[i] as string]
      close(x["bleu4"] as number, e.coco_bleu.bleu_4, `${x["id"]} bleu4`)
      close(x["meteor"] as number, e.nltk_meteor["wordnet_3.0"], `${x["id"]} meteor`)
      close(x["cider"] as number, e.coco_cider_d, `${x["id"]} cider`)
    })
  })

  it("`revo score` through the revo executable gives the same bytes; --help shows the flags", () => {
    const bin = new URL("../../bin/revo.js", import.meta.url).pathname
    const viaBin = spawnSync(process.execPath, [bin, "score", "--input", input, "--metrics", "bleu4,cider"], { encoding: "utf8" })
    const direct = run(["--input", input, "--metrics", "bleu4,cider"])
    assert.equal(viaBin.status, 0, viaBin.stderr)
    assert.equal(viaBin.stdout, direct.stdout)
    const help = spawnSync(process.execPath, [bin, "score", "--help"], { encoding: "utf8" })
    assert.equal(help.status, 0)
    assert.match(help.stdout, /--input/)
    assert.match(help.stdout, /--metrics/)
  })

  it("reads standard input with --input - and writes standard output; --wordnet 3.1", () => {
    const r = run(["--input", "-", "--metrics", "meteor", "--wordnet", "3.1"], lines.join("\n"))
    assert.equal(r.status, 0, r.stderr)
    const res = JSON.parse(r.stdout)
    close(res.corpus.meteor, expected.per_corpus.edge.nltk_meteor_mean["wordnet_3.1"], "meteor 3.1")
    assert.equal(res.items.length, corpusIds.length)
  })

  it("names the file and line of a malformed record and exits 2", () => {
    const bad = join(dir, "pairs.jsonl")
    writeFileSync(bad, [lines[0], lines[1], "", `{"id":"x","candidate":"a dog","references":"a dog"}`].join("\n"))
    const r = run(["--input", bad, "--output", join(dir, "never.json")])
    assert.equal(r.status, 2)
    assert.match(r.stderr, /pairs\.jsonl:4: expected "references" to be an array of strings/)
    const r2 = run(["--input", "-"], `{"id": 1}\n`)
    assert.match(r2.stderr, /<stdin>:1: expected "id" to be a string/)
    // With CIDEr-D its worker thread must not keep the failed process alive.
    const t0 = performance.now()
    const r4 = spawnSync(process.execPath, [script, "--input", bad, "--metrics", "cider,bleu4"], { encoding: "utf8", timeout: 30_000 })
    assert.equal(r4.status, 2, `${r4.stderr} (${Math.round(performance.now() - t0)} ms)`)
    assert.match(r4.stderr, /pairs\.jsonl:4: /)
    const r3 = run(["--input", input, "--metrics", "bleu9"])
    assert.equal(r3.status, 2)
    assert.match(r3.stderr, /Unknown metric "bleu9" \(did you mean "bleu1"\?\)/)
  })

  it("runScore fails with a typed ScoreInputError carrying the line", async () => {
    const bad = join(dir, "bad.jsonl")
    writeFileSync(bad, `${lines[0]}\nnot json\n`)
    const exit = await Effect.runPromiseExit(runScore({ input: bad, metrics: ["bleu4"], output: join(dir, "x.json") }))
    assert.ok(Exit.isFailure(exit))
    const err = await Effect.runPromise(Effect.flip(runScore({ input: bad, metrics: ["bleu4"], output: join(dir, "x.json") })))
    assert.equal(err._tag, "ScoreInputError")
    if (err._tag === "ScoreInputError") assert.equal(err.line, 2)
    assert.match(err.message, /bad\.jsonl:2: invalid JSON/)
  })
})
