/**
 * The card's method text and docs/spec.md come from one source (src/hub/method.ts), so they cannot
 * drift: the docs block must equal methodDocs(), and every SQ / DQ normalisation the spec accepts
 * must have a definition the card can print.
 */
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { describe, it } from "node:test"
import { DQ_TEXT, methodDocs, methodLines, SQ_TEXT } from "../../src/hub/method.ts"
import { repoRoot } from "../support/cli.ts"

const literalsAt = (path: ReadonlyArray<string>): Array<string> => {
  // the JSON Schema that `revo schema` prints, walked to the enum of the key
  const doc = JSON.parse(readFileSync(`${repoRoot}experiments/schema.json`, "utf8")) as Record<string, any>
  const deref = (node: any): any => (node?.$ref ? doc.$defs[node.$ref.split("/").at(-1)] : node)
  let node: any = doc
  for (const k of path) node = deref(deref(node).properties[k])
  node = deref(node)
  return node.enum ?? node.anyOf?.flatMap((a: any) => a.enum ?? (a.const !== undefined ? [a.const] : [])) ?? []
}

describe("method definitions", () => {
  it("docs/spec.md carries exactly the generated block", () => {
    const docs = readFileSync(`${repoRoot}docs/spec.md`, "utf8")
    const m = /<!-- method:begin -->\n([\s\S]*?)\n?<!-- method:end -->/.exec(docs)
    assert.ok(m, "docs/spec.md has the method markers")
    assert.equal(m[1]!.trim(), methodDocs().trim(), "regenerate the block between the markers from methodDocs()")
  })

  it("every normalisation the spec accepts has a definition", () => {
    const sq = literalsAt(["quality", "sq", "normalize"])
    const dq = literalsAt(["quality", "dq", "normalize"])
    assert.ok(sq.length >= 2 && dq.length >= 2, `found sq ${sq} dq ${dq}`)
    for (const n of sq) assert.ok(SQ_TEXT[n] !== undefined, `no SQ definition for normalize: ${n}`)
    for (const n of dq) assert.ok(DQ_TEXT[n] !== undefined, `no DQ definition for normalize: ${n}`)
  })

  it("the card's lines say the run's settings and fail loudly on one they cannot describe", () => {
    const lines = methodLines({ metrics: ["bleu4", "meteor"], sq: { normalize: "rank", crossfit: 3 }, dq: { normalize: "in_domain", include_self: false }, budget: 0.5 })
    assert.ok(lines.some((l) => l.includes("normalize: rank, crossfit: 3") && l.includes(SQ_TEXT.rank!)))
    assert.ok(lines.some((l) => l.includes("top 50%")))
    assert.ok(lines.some((l) => l.includes("`per_model[].value` is the raw")))
    assert.throws(() => methodLines({ metrics: [], sq: { normalize: "mystery", crossfit: 0 }, budget: 0.5 }), /cannot describe quality\.sq\.normalize: mystery/)
  })
})
