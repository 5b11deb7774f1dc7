import { test } from "node:test"
import assert from "node:assert/strict"
import { heatmapSvg, mqHeatmapSvg } from "../../src/report/svg-heatmap.ts"
import { barsSvg, sortBars } from "../../src/report/svg-bars.ts"
import { binCounts, distSvg } from "../../src/report/svg-dist.ts"
import { esc, f3, int, mdEsc, pct, signed3, signedPct } from "../../src/report/render-format.ts"
import { textOn, viridis } from "../../src/report/svg-scale.ts"
import { fixtureReport } from "./fixture.ts"

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length

test("heat map of the fixture: one rect.cell per (tune, eval), each with its data attributes", () => {
  const r = fixtureReport()
  const svg = mqHeatmapSvg(r)
  const rows = r.datasets.length + 3
  const cols = r.datasets.length + 1
  assert.equal(count(svg, /<rect class="cell[ "]/g), rows * cols)
  for (const t of [...r.datasets, "union", "revo-lion", "random"]) {
    for (const e of [...r.datasets, "revo-lion-eval"]) {
      assert.ok(svg.includes(`data-tune="${t}" data-eval="${e}" data-value="${f3(r.cross[t]![e]!.mq)}"`), `${t} -> ${e}`)
    }
  }
  // every value printed, the diagonal outlined
  assert.equal(count(svg, /class="outline"/g), r.datasets.length)
  assert.ok(svg.includes(`>${f3(r.cross["union"]!["vqa-x"]!.mq)}</text>`))
})

test("heat map: a missing cell is still a cell, drawn as 'no result'", () => {
  const r = fixtureReport({ missing: [["union", "pope-coco"]] })
  const svg = mqHeatmapSvg(r)
  assert.equal(count(svg, /<rect class="cell[ "]/g), (r.datasets.length + 3) * (r.datasets.length + 1))
  assert.equal(count(svg, /class="cell missing"/g), 1)
  assert.match(svg, /union \(all train\) → pope-coco: no result/)
})

test("heat map escapes labels and is deterministic", () => {
  const rows = ["<b>&x", `q"uote`]
  const cols = ["a'b", "c"]
  const inp = { rows, cols, value: (r: string, c: string) => (r.length + c.length) / 10 }
  const svg = heatmapSvg(inp)
  assert.equal(svg, heatmapSvg(inp))
  assert.ok(!svg.includes("<b>"))
  assert.ok(svg.includes("&lt;b&gt;&amp;x"))
  assert.ok(svg.includes("q&quot;uote"))
  assert.ok(svg.includes("a&#39;b"))
  assert.equal(count(svg, /<rect class="cell"/g), 4)
})

test("colour scale: viridis ends, readable text on both ends", () => {
  assert.equal(viridis(0), "#440154")
  assert.equal(viridis(1), "#fde725")
  assert.equal(viridis(2), "#fde725")
  assert.equal(textOn(0), "#ffffff")
  assert.equal(textOn(1), "#111827")
})

test("bars are sorted by value, best first, ties by label, values printed", () => {
  const bars = [
    { label: "b", value: 0.4 },
    { label: "a", value: 0.4 },
    { label: "c", value: 0.9 },
    { label: "<d>", value: 0.1 }
  ]
  assert.deepEqual(sortBars(bars).map((b) => b.label), ["c", "a", "b", "<d>"])
  const svg = barsSvg({ bars, ref: { value: 1, label: "in-domain = 1" } })
  const order = [...svg.matchAll(/class="bar" data-label="([^"]*)" data-value="([^"]*)"/g)].map((m) => [m[1], m[2]])
  assert.deepEqual(order, [["c", "0.900"], ["a", "0.400"], ["b", "0.400"], ["&lt;d&gt;", "0.100"]])
  assert.ok(svg.includes(">0.900</text>"))
  assert.ok(svg.includes(`class="ref"`))
  assert.ok(!svg.includes("<d>"))
})

test("binCounts: equal bins, clamped ends, non-finite values ignored", () => {
  assert.deepEqual(binCounts([0, 0.49, 0.5, 0.99, 1, 1.5, -3, Number.NaN], 0, 1, 2), [3, 4])
  assert.deepEqual(binCounts([], 0, 1, 3), [0, 0, 0])
})

test("SQ small multiples: one panel per dataset, percentiles and mean marked", () => {
  const r = fixtureReport()
  const svg = distSvg({
    panels: r.datasets.map((d) => ({ label: d, counts: r.sq_hist.counts[d]!, summary: r.sq[d]! })),
    lo: r.sq_hist.lo,
    hi: r.sq_hist.hi,
    ref: 1
  })
  assert.equal(count(svg, /<g class="panel"/g), r.datasets.length)
  assert.equal(count(svg, /class="median"/g), r.datasets.length)
  assert.equal(count(svg, /class="pct"/g), 2 * r.datasets.length)
  assert.equal(count(svg, /class="mean"/g), r.datasets.length)
  const nonEmptyBins = r.datasets.reduce((a, d) => a + r.sq_hist.counts[d]!.filter((n) => n > 0).length, 0)
  assert.equal(count(svg, /class="bin"/g), nonEmptyBins)
})

test("number formats: fixed decimals, grouped counts, true minus signs, no '-0.000'", () => {
  assert.equal(f3(0.18249), "0.182")
  assert.equal(f3(-0.0001), "0.000")
  assert.equal(int(1234567), "1,234,567")
  assert.equal(int(999), "999")
  assert.equal(pct(0.137), "13.7%")
  assert.equal(signed3(0.0123), "+0.012")
  assert.equal(signed3(-0.0123), "\u22120.012")
  assert.equal(signed3(0.0001), "±0.000")
  assert.equal(signedPct(-0.09), "\u22129.0%")
})

test("escaping: HTML and Markdown table cells", () => {
  assert.equal(esc(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
  assert.equal(mdEsc("a|b*c\nd<e>&amp;"), "a\\|b\\*c d&lt;e&gt;&amp;amp;")
})
