import { test } from "node:test"
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { CsvReader, parseCsv, type CsvRecord } from "../../src/data/csv.ts"
import { DATA_ROOT } from "./support.ts"

test("quoted fields keep delimiters, doubled quotes and newlines; records know their start line", () => {
  const rows = parseCsv('a,b,c\n1,"x, y","say ""hi"""\n2,"two\nlines",z\n\n3,,"" \n')
  assert.deepEqual(rows.map((r) => r.fields), [["a", "b", "c"], ["1", "x, y", "say \"hi\""], ["2", "two\nlines", "z"], ["3", "", " "]])
  assert.deepEqual(rows.map((r) => r.line), [1, 2, 3, 6])
  assert.equal(rows[3]!.problem, "text after a closing quote on line 6")
})

test("CRLF, lone CR, a BOM and a missing final newline", () => {
  const rows = parseCsv("\uFEFFh1,h2\r\n1,\"a\r\nb\"\r2,c")
  assert.deepEqual(rows.map((r) => r.fields), [["h1", "h2"], ["1", "a\r\nb"], ["2", "c"]])
  assert.deepEqual(rows.map((r) => r.line), [1, 2, 4])
})

test("an unterminated quote is reported on the record, not swallowed", () => {
  const rows = parseCsv("a,b\n1,\"open\n2,3\n")
  assert.equal(rows.length, 2)
  assert.match(rows[1]!.problem ?? "", /opened on line 2 is never closed/)
})

test("other delimiters", () => {
  assert.deepEqual(parseCsv("a\tb\n\"x\ty\"\t2\n", "\t").map((r) => r.fields), [["a", "b"], ["x\ty", "2"]])
  assert.throws(() => new CsvReader("\""))
})

test("the real CSV files parse the same whatever the chunk size", () => {
  for (const [file, records] of [["gqa-testdev-balanced/GQA_Result_compare.csv", 12579], ["llava-instruct-sampled-500/llava_sampled.csv", 501]] as const) {
    const text = readFileSync(DATA_ROOT + file, "utf8")
    const whole = parseCsv(text)
    assert.equal(whole.length, records, file)
    assert.ok(whole.every((r) => r.fields.length === whole[0]!.fields.length && r.problem === undefined), file)
    for (const size of records < 1000 ? [1, 13, 65536] : [13, 65536]) {
      const out: Array<CsvRecord> = []
      const reader = new CsvReader()
      for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size), out)
      reader.end(out)
      assert.deepEqual(out, whole, `${file} in chunks of ${size}`)
    }
  }
  // llava_sampled.csv has answers spanning lines: its last record starts past line 1000
  const sampled = parseCsv(readFileSync(DATA_ROOT + "llava-instruct-sampled-500/llava_sampled.csv", "utf8"))
  assert.ok(sampled.at(-1)!.line > 1000)
  assert.ok(sampled.some((r) => r.fields.some((f) => f.includes("\n"))))
})
