import { test } from "node:test"
import assert from "node:assert/strict"
import { decodeReport, evalSets, tuneSets } from "../../src/report/types.ts"
import { renderMarkdown } from "../../src/report/render-md.ts"
import { renderHtml } from "../../src/report/render-html.ts"
import { mdEsc, f3 } from "../../src/report/render-format.ts"
import { fixtureReport, realDatasetIds } from "./fixture.ts"

test("the fixture covers the 11 real dataset ids of ../shared/data/INDEX.md", () => {
  const ids = realDatasetIds()
  assert.equal(ids.length, 11)
  assert.ok(ids.includes("coco-captions-val2017") && ids.includes("gqa-testdev-balanced"))
})

test("report.json round trip: the Schema decodes what JSON gives back, and rejects unknown or wrong fields", () => {
  const r = fixtureReport()
  const back = decodeReport(JSON.parse(JSON.stringify(r)))
  assert.deepEqual(back, r)
  assert.throws(() => decodeReport({ ...r, extra: 1 }), /extra/)
  assert.throws(() => decodeReport({ ...r, dq: { x: "high" } }), /dq/)
  const noMq = structuredClone(r) as { cross: Record<string, Record<string, Record<string, unknown>>> }
  delete noMq.cross["union"]!["vqa-x"]!["mq"]
  assert.throws(() => decodeReport(noMq), /mq/)
})

test("renderers are pure: same report, same bytes; and independent of key order in report.json", () => {
  const r = fixtureReport()
  const shuffled = decodeReport(
    JSON.parse(JSON.stringify(r, (_k, v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).reverse())
        : v))
  )
  assert.equal(renderMarkdown(r), renderMarkdown(fixtureReport()))
  assert.equal(renderHtml(r), renderHtml(fixtureReport()))
  assert.equal(renderMarkdown(shuffled), renderMarkdown(r))
  assert.equal(renderHtml(shuffled), renderHtml(r))
})

test("report.md: sections in order, verdicts in the summary, every table row has its header's column count", () => {
  const r = fixtureReport()
  const md = renderMarkdown(r)
  const heads = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1])
  assert.deepEqual(heads, [
    "Summary",
    "Proof: REVO-LION against all data and against chance",
    "MQ matrix",
    "Dataset quality (DQ)",
    "Sample quality (SQ)",
    "REVO-LION composition",
    "Bad rows",
    "Provenance"
  ])
  const summary = md.split("## Summary")[1]!.split("\n## ")[0]!
  assert.ok(summary.includes(mdEsc(r.comparison.union.verdict)))
  assert.ok(summary.includes(mdEsc(r.comparison.random.verdict)))
  // tables: split on unescaped pipes
  const cells = (line: string): number => line.replace(/\\\|/g, "").split("|").length - 2
  const lines = md.split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith("| :---")) {
      const n = cells(lines[i - 1]!)
      for (let j = i + 1; j < lines.length && lines[j]!.startsWith("|"); j++) assert.equal(cells(lines[j]!), n, lines[j])
    }
  }
  // the matrix: one row per tune set, the in-domain cell bold
  for (const t of tuneSets(r)) assert.ok(md.includes(`| ${t === "revo-lion" ? "**REVO-LION**" : t === "union" ? "union (all train)" : t === "random" ? "random (same size)" : t} |`), t)
  assert.ok(md.includes(`**${f3(r.cross["vqa-x"]!["vqa-x"]!.mq)}**`))
  // DQ sorted: ranks 1..N in descending DQ
  const dqRows = [...md.matchAll(/^\| (\d+) \| ([^|]+) \| ([\d.]+) \|/gm)].map((m) => Number(m[3]))
  assert.equal(dqRows.length, r.datasets.length)
  assert.deepEqual(dqRows, [...dqRows].sort((a, b) => b - a))
  // every metric table in the details, the bad row's HTML neutralised
  for (const m of r.mq_metrics) assert.ok(md.includes(`(\`${m}\`)`), m)
  assert.ok(!md.includes("<script>"))
  assert.ok(md.endsWith("\n") && !md.endsWith("\n\n"))
})

test("report.html: self-contained, no scripts, every section, the heat map holds all cells", () => {
  const r = fixtureReport()
  const html = renderHtml(r)
  assert.ok(html.startsWith("<!DOCTYPE html>"))
  assert.ok(!/<script/i.test(html), "no script elements (the bad row's text is escaped)")
  assert.ok(!/\b(?:src|href)=["']?(?:https?:)?\/\//i.test(html), "no external references")
  assert.ok(!/url\((?!#)/.test(html), "no CSS url() other than in-document gradients")
  assert.ok(html.includes("default-src 'none'"))
  for (const id of ["summary", "mq", "dq", "sq", "proof", "revolion", "bad-rows", "provenance"]) assert.ok(html.includes(`<section id="${id}">`), id)
  assert.ok(html.indexOf(`id="summary"`) < html.indexOf(`id="mq"`))
  const cells = html.match(/<rect class="cell[ "]/g) ?? []
  assert.equal(cells.length, tuneSets(r).length * evalSets(r).length)
  assert.ok(html.includes(r.comparison.union.verdict.replace(/'/g, "&#39;")))
  assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
  assert.ok(!/\d{4}-\d{2}-\d{2}T\d{2}:/.test(html), "no timestamps")
})

test("a losing REVO-LION is reported as losing in both pages", () => {
  const r = fixtureReport({ revolionFactor: 0.7 })
  assert.match(r.comparison.union.verdict, /falls short of the union/)
  assert.ok(renderMarkdown(r).includes("- **vs union: REVO-LION loses** (\u2212"))
  assert.ok(renderHtml(r).includes(`<span class="badge lose">REVO-LION loses</span>`))
})

test("the proof in both pages: backend first, intervals with verdicts, seeds, the REVO-LION eval set apart, ablation, budget curve", () => {
  const r = fixtureReport()
  const md = renderMarkdown(r)
  const html = renderHtml(r)
  // the first lines after the title say what produced the numbers and what it sees
  const firstLines = md.split("\n").slice(1, 5).join("\n")
  assert.match(firstLines, /retrieval 1\.0\.0 backend: it sees text only, no image pixels/)
  assert.match(firstLines, /demo/)
  assert.ok(html.indexOf(`class="backend"`) < html.indexOf(`id="summary"`))
  const u = r.proof!.headline["union"]!.macro!
  const ci = `[${u.rel_lo >= 0 ? "+" : "\u2212"}${(Math.abs(u.rel_lo) * 100).toFixed(1)}%, ${u.rel_hi >= 0 ? "+" : "\u2212"}${(Math.abs(u.rel_hi) * 100).toFixed(1)}%]`
  assert.ok(r.comparison.union.verdict.includes(`95% interval ${ci}`), r.comparison.union.verdict)
  assert.equal(r.comparison.union.outcome, u.verdict)
  for (const page of [md.replace(/\\/g, ""), html]) {
    assert.ok(page.includes("REVO-LION eval set (selected by SQ: not evidence for REVO-LION)"))
    assert.ok(page.includes("ablation: vs bottom half by SQ"))
    assert.ok(page.includes("Random controls: seeds"))
    assert.ok(page.includes("Budget curve"))
    assert.ok(page.includes("Ties at the REVO-LION cut-off, broken by the seed"))
    assert.ok(page.includes("own model is not the best"))
    assert.ok(page.includes("A man riding a horse."), "the degenerate cell is listed")
  }
  // the budget plot: one polyline per series, a point per budget, the union's 0 line
  assert.equal((html.match(/<polyline class="series /g) ?? []).length, 2)
  assert.equal((html.match(/<circle class="point /g) ?? []).length, 2 * r.proof!.budget_curve.length)
  assert.ok(html.includes(`<line class="union"`))
  // the degenerate cell is flagged in the heat map
  const [t, e] = Object.keys(r.degenerate!)[0]!.split("@") as [string, string]
  assert.match(html, new RegExp(`<rect class="cell degenerate" data-tune="${t}" data-eval="${e}"`))
})
