/**
 * report.html in a real browser: Debian's headless `chromium`, driven over CDP (test/report/cdp.ts).
 * Asserts the page renders with no console errors, exceptions or blocked loads, fetches nothing,
 * and that the heat map holds one drawn cell per (tune, eval). Also writes a full-page screenshot
 * (path in the test's diagnostics; REVO_REPORT_SCREENSHOT overrides it) for a human to look at.
 */
import { after, before, test } from "node:test"
import assert from "node:assert/strict"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { renderHtml } from "../../src/report/render-html.ts"
import { evalSets, tuneSets } from "../../src/report/types.ts"
import { CHROMIUM, launch, type Browser } from "./cdp.ts"
import { fixtureReport } from "./fixture.ts"

let browser: Browser | undefined
let dir = ""

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set REVO_CHROMIUM`)
  dir = mkdtempSync(join(tmpdir(), "revo-report-"))
  browser = await launch()
})

after(async () => {
  await browser?.close()
  if (dir !== "") rmSync(dir, { recursive: true, force: true })
})

const page = (name: string, html: string): string => {
  const file = join(dir, name)
  writeFileSync(file, html)
  return pathToFileURL(file).href
}

test("report.html renders in headless Chromium: no console errors, nothing fetched, N x M heat-map cells", async (t) => {
  const r = fixtureReport()
  const p = await browser!.newPage()
  await p.goto(page("report.html", renderHtml(r)))
  assert.deepEqual(p.problems, [])

  const dom = await p.evaluate<{
    cells: number
    drawn: number
    pairs: number
    scripts: number
    resources: number
    sections: Array<string>
    svgs: number
    overflowX: boolean
  }>(`(() => {
    const cells = [...document.querySelectorAll("svg.heatmap rect.cell")]
    const drawn = cells.filter((c) => { const b = c.getBoundingClientRect(); return b.width > 10 && b.height > 10 }).length
    const pairs = new Set(cells.map((c) => c.dataset.tune + "\\u0000" + c.dataset.eval)).size
    return {
      cells: cells.length, drawn, pairs,
      scripts: document.scripts.length,
      resources: performance.getEntriesByType("resource").length,
      sections: [...document.querySelectorAll("main > section")].map((s) => s.id),
      svgs: [...document.querySelectorAll("svg")].filter((s) => s.getBoundingClientRect().height > 50).length,
      overflowX: document.documentElement.scrollWidth > window.innerWidth
    }
  })()`)
  const n = tuneSets(r).length * evalSets(r).length
  assert.equal(dom.cells, n)
  assert.equal(dom.drawn, n, "every cell has a visible box")
  assert.equal(dom.pairs, n, "every (tune, eval) pair once")
  assert.equal(dom.scripts, 0)
  assert.equal(dom.resources, 0, "the page fetches nothing")
  assert.deepEqual(dom.sections, ["summary", "mq", "dq", "sq", "proof", "revolion", "bad-rows", "provenance"])
  assert.equal(dom.svgs, 4, "heat map, DQ bars, SQ distributions and the budget curve are drawn")
  const plot = await p.evaluate<{ lines: number; points: number; inside: boolean; union: boolean; bars: number; bands: number; barsInside: boolean }>(`(() => {
    const svg = document.querySelector("#proof svg.budget")
    const box = svg.getBoundingClientRect()
    const within = (b) => b.left >= box.left && b.right <= box.right && b.top >= box.top && b.bottom <= box.bottom
    const pts = [...svg.querySelectorAll("circle.point")]
    const bars = [...svg.querySelectorAll("g.ci")]
    return {
      lines: svg.querySelectorAll("polyline.series").length,
      points: pts.length,
      inside: pts.every((c) => { const b = c.getBoundingClientRect(); return b.width > 3 && within(b) }),
      union: svg.querySelector("line.union") !== null,
      bars: bars.length,
      bands: svg.querySelectorAll("polygon.band").length,
      barsInside: bars.every((g) => { const b = g.getBoundingClientRect(); return b.height > 0 && within(b) })
    }
  })()`)
  assert.deepEqual(plot, { lines: 2, points: 2 * r.proof!.budget_curve.length, inside: true, union: true, bars: 2 * r.proof!.budget_curve.length, bands: 2, barsInside: true },
    "budget curve: two series, every point and its 95% interval drawn inside the plot, a band per series")

  const png = await p.screenshot(1280)
  assert.equal(png.subarray(1, 4).toString("latin1"), "PNG")
  assert.equal(png.readUInt32BE(16), 1280)
  const shot = process.env["REVO_REPORT_SCREENSHOT"] ?? join(tmpdir(), "revo-report-screenshot.png")
  writeFileSync(shot, png)
  t.diagnostic(`screenshot: ${shot} (${png.length} bytes, ${png.readUInt32BE(20)} px tall)`)
  assert.equal(dom.overflowX, false, "no horizontal scrolling at 1280 px")
})

test("the harness sees console errors, exceptions and blocked loads (so 'no problems' above means something)", async () => {
  const p = await browser!.newPage()
  await p.goto(page("bad.html", `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<script>console.error("deliberate error"); undefinedFunction();</script></body></html>`))
  assert.ok(p.problems.some((x) => x.kind === "console" && x.text.includes("deliberate error")), JSON.stringify(p.problems))
  assert.ok(p.problems.some((x) => x.kind === "exception" && x.text.includes("undefinedFunction")), JSON.stringify(p.problems))

  // the report's own CSP turns any attempt to fetch into a reported error
  const q = await browser!.newPage()
  const html = renderHtml(fixtureReport()).replace("</main>", `<img src="http://127.0.0.1:9/x.png" alt=""></main>`)
  await q.goto(page("fetch.html", html))
  assert.ok(q.problems.some((x) => /Content Security Policy/i.test(x.text)), JSON.stringify(q.problems))
})
