import { test } from "node:test"
import assert from "node:assert/strict"
import { compileExpr, compilePath, evalText, evalTexts, recordLookup, type Expr } from "../../src/data/mapping.ts"

const vqaX = {
  question: "What is this?",
  answers: [{ answer: "shower" }, { answer: "shower" }, { answer: "bathroom" }],
  image_id: "262284",
  explanation: ["it has a shower head hanging inside of it", "there is a shower head", "there is a faucet and a bathtub"],
  meta: { "full answer": "A shower.", n: 3, flags: [true, false] }
}
const lookup = recordLookup(vqaX, new Map<string, unknown>([["$key", "262284001"], ["caps", [{ caption: "c1" }, { caption: "c2" }]]]))
const expr = (s: string): Expr => {
  const e = compileExpr(s)
  assert.equal(typeof e, "object", `${s} compiles`)
  return e as Expr
}
const texts = (s: string) => evalTexts(expr(s), lookup)

test("paths: dotted, indexed (also from the end), quoted keys, $key, join roots", () => {
  assert.deepEqual(texts("question"), { ok: true, value: ["What is this?"] })
  assert.deepEqual(texts("answers[0].answer"), { ok: true, value: ["shower"] })
  assert.deepEqual(texts("answers[-1].answer"), { ok: true, value: ["bathroom"] })
  assert.deepEqual(texts("meta[\"full answer\"]"), { ok: true, value: ["A shower."] })
  assert.deepEqual(texts("meta.n"), { ok: true, value: ["3"] })
  assert.deepEqual(texts("$key"), { ok: true, value: ["262284001"] })
  assert.deepEqual(texts("caps[*].caption"), { ok: true, value: ["c1", "c2"] })
})

test("[*] fans out, and a path to a list of texts gives its elements", () => {
  assert.deepEqual(texts("answers[*].answer"), { ok: true, value: ["shower", "shower", "bathroom"] })
  assert.deepEqual(texts("explanation"), texts("explanation[*]"))
  assert.deepEqual(texts("meta.flags[*]"), { ok: true, value: ["true", "false"] })
})

test("templates: one text, or one per element when a placeholder fans out; zipped fan-outs", () => {
  assert.deepEqual(texts("Q: {question} ({image_id})"), { ok: true, value: ["Q: What is this? (262284)"] })
  assert.deepEqual(texts("{answers[0].answer} because {explanation[*]}"), {
    ok: true,
    value: ["shower because it has a shower head hanging inside of it", "shower because there is a shower head", "shower because there is a faucet and a bathtub"]
  })
  assert.deepEqual(texts("{answers[*].answer}: {explanation[*]}").ok, true)
  assert.deepEqual(texts("{{literal}} {question}"), { ok: true, value: ["{literal} What is this?"] })
  const mismatch = texts("{answers[*].answer} / {caps[*].caption}")
  assert.equal(mismatch.ok, false)
  assert.match(!mismatch.ok ? mismatch.reason : "", /different lengths \(3 and 2\)/)
})

test("missing fields and wrong types are reasons, never exceptions", () => {
  const miss = texts("answer.text")
  assert.deepEqual(miss, { ok: false, reason: "missing field answer", missing: true })
  const deep = texts("answers[5].answer")
  assert.equal(deep.ok === false && deep.reason, "missing field answers[5]")
  const wrong = evalText(expr("explanation"), lookup)
  assert.equal(wrong.ok, false)
  assert.match(!wrong.ok ? wrong.reason : "", /gives 3 values, expected one/)
  const obj = texts("answers[0]")
  assert.match(!obj.ok ? obj.reason : "", /^wrong type: answers\[0\] is an object, expected a text/)
  const notList = texts("question[*]")
  assert.match(!notList.ok ? notList.reason : "", /wrong type: question is a text, not a list/)
  const inTemplate = texts("{explanation} !")
  assert.match(!inTemplate.ok ? inTemplate.reason : "", /write explanation\[\*\] to use every element/)
})

test("syntax errors are reported at compile time with a readable message", () => {
  assert.match(compilePath("Describe the image.") as string, /is not a path \(spaces are not allowed/)
  assert.match(compilePath("answers[x]") as string, /expected \[n\], \[\*\] or \["key"\]/)
  assert.match(compilePath("answers[0") as string, /unclosed \[/)
  assert.match(compilePath("a..b") as string, /expected a field name after "."/)
  assert.match(compileExpr("{question") as string, /unclosed \{/)
  assert.match(compileExpr("question}") as string, /unmatched \}/)
  assert.match(compileExpr("{bad path}") as string, /in template/)
})
