/**
 * The report of a real run (three real datasets, the CPU backend), opened in headless Chromium:
 * renders with no console errors, fetches nothing, and its heat map holds one cell per
 * (tune set, eval set): (3 datasets + union, REVO-LION, random) x (3 eval splits + REVO-LION eval).
 */
import assert from "node:assert/strict"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { tmpdir } from "node:os"
import { after, before, test } from "node:test"
import { pathToFileURL } from "node:url"
import { decodeReport } from "../../src/report/types.ts"
import { revo } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"
import { CHROMIUM, launch, type Browser } from "./cdp.ts"

let browser: Browser | undefined
before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set REVO_CHROMIUM`)
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test("a real run's report.html renders with an N x M heat map and no console errors", async (t) => {
  const s = smallSpec()
  const r = revo(["run", s.spec, "--store", s.store])
  assert.equal(r.code, 0, r.stderr)
  const dir = join(s.dir, "results", "small")
  const report = decodeReport(JSON.parse(readFileSync(join(dir, "report.json"), "utf8")))
  assert.deepEqual(report.datasets, ["coco-mini", "llava-bench-coco", "llava-instruct-100"])
  assert.match(report.comparison.union.verdict, /^On the datasets' own \d eval splits, REVO-LION \([\d,]+ samples, 5\d\.\d% of all train data\) scores .* 95% interval \[/)
  // the verdict is the one the interval supports
  const u = report.proof!.headline["union"]!.macro!
  assert.equal(report.comparison.union.outcome, u.verdict)
  assert.equal(u.verdict, u.rel_lo >= -0.02 && u.rel_hi <= 0.02 ? "matches" : u.rel_lo > 0 ? "beats" : u.rel_hi < 0 ? "falls short" : "inconclusive")
  assert.equal(report.backend?.name, "retrieval")
  assert.deepEqual(report.backend?.inputs, ["text"])

  const page = await browser!.newPage()
  await page.goto(pathToFileURL(join(dir, "report.html")).href)
  assert.deepEqual(page.problems, [])
  const cells = await page.evaluate<number>(`document.querySelectorAll("svg.heatmap rect.cell").length`)
  assert.equal(cells, (3 + 3) * (3 + 1))
  const budget = await page.evaluate<number>(`document.querySelectorAll("svg.budget circle.point").length`)
  assert.equal(budget, 2 * report.proof!.budget_curve.length)
  assert.equal(report.proof!.budget_curve.length, 4)
  const shot = join(tmpdir(), "revo-real-report.png")
  writeFileSync(shot, await page.screenshot(1280))
  t.diagnostic(`screenshot: ${shot}`)
})
