/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no network; a CSP meta
 * tag forbids fetching anything). Light and print-friendly. Pure: the same report gives the same
 * bytes, so nothing here reads the clock or the environment.
 */
import type { Comparison, Report } from "./types.ts"
import { backendLines, type Block, interval, degenerateBlocks, dqExtraBlocks, proofBlocks, sqNoteBlocks } from "./render-proof.ts"
import { budgetSvg } from "./svg-budget.ts"
import { BAD_ROWS_FILE, BAD_ROWS_IN_REPORT, evalSets, tuneSets } from "./types.ts"
import { esc, f3, int, pct, setLabel, shortHash, signed3, signedPct } from "./render-format.ts"
import {
  badge,
  badgeText,
  badRowWhere,
  cellMetrics,
  compositionRows,
  dqRanked,
  evalMetricsDiffer,
  evalMetricsRows,
  mqSummary,
  dqSentence,
  itemsPerEval,
  metricName,
  orderedKeys,
  proofRows,
  setupSentence,
  sqFormula,
  totalBadRows
} from "./render-summary.ts"
import { mqHeatmapSvg } from "./svg-heatmap.ts"
import { dqBarsSvg } from "./svg-bars.ts"
import { sqDistSvg } from "./svg-dist.ts"

/** Bad rows listed per dataset in the page; the rest stay in report.json. */

const CSS = `
:root{color-scheme:light;--ink:#111827;--soft:#374151;--muted:#6b7280;--line:#e5e7eb;--panel:#f9fafb;--accent:#3b528b;
--win:#166534;--win-bg:#dcfce7;--lose:#991b1b;--lose-bg:#fee2e2;--tie:#854d0e;--tie-bg:#fef9c3}
*{box-sizing:border-box}
html{background:#fff}
body{margin:0;color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
-webkit-font-smoothing:antialiased}
main{max-width:1140px;margin:0 auto;padding:36px 32px 72px}
header .eyebrow{font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:var(--accent);font-weight:650}
h1{font-size:30px;line-height:1.2;margin:4px 0 6px;letter-spacing:-.015em}
.meta{color:var(--muted);font-size:13px;margin:0}
.meta code{font-size:12px}
h2{font-size:20px;margin:44px 0 6px;padding-top:14px;border-top:1px solid var(--line);letter-spacing:-.01em}
h3{font-size:15px;margin:20px 0 6px}
p{margin:8px 0;max-width:78ch}
.lead{font-size:16px;color:var(--soft);max-width:none}
.note{color:var(--muted);font-size:13px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:var(--panel);padding:1px 4px;border-radius:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px;margin:18px 0 6px}
.card{border:1px solid var(--line);border-radius:12px;padding:16px 20px 14px;background:#fff}
.card h3{margin:0 0 10px;font-size:14px;color:var(--soft);font-weight:600;display:flex;justify-content:space-between;gap:12px;align-items:center}
.nums{display:flex;gap:28px;align-items:flex-end;flex-wrap:wrap;margin-bottom:8px}
.card h3 .k{display:block;color:var(--muted);font-weight:400;font-size:12.5px}
.num .v{font-size:30px;font-weight:650;font-variant-numeric:tabular-nums;line-height:1.1}
.num .k{font-size:12px;color:var(--muted)}
.num.delta .v{font-size:22px}
.verdict{font-size:14px;color:var(--soft);margin:6px 0 0}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:650;white-space:nowrap}
.badge.win{color:var(--win);background:var(--win-bg)}
.badge.lose{color:var(--lose);background:var(--lose-bg)}
.badge.tie{color:var(--tie);background:var(--tie-bg)}
.badge.inconclusive{color:var(--muted);background:var(--panel);border:1px dashed var(--muted)}
.backend{font-weight:600;margin:4px 0}
.badge.none{color:var(--muted);background:var(--panel)}
.pos{color:var(--win)}
.neg{color:var(--lose)}
figure{margin:14px 0 4px;overflow-x:auto}
figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:13px;color:var(--muted);margin-top:6px;max-width:90ch}
table{border-collapse:collapse;font-size:13.5px;font-variant-numeric:tabular-nums;margin:10px 0}
th,td{padding:5px 12px;border-bottom:1px solid var(--line);text-align:left;vertical-align:baseline}
th{font-weight:600;color:var(--soft);border-bottom:1.5px solid #d1d5db;white-space:nowrap}
td.n,th.n{text-align:right}
tr.total td{font-weight:650;border-top:1.5px solid #d1d5db}
tr.sub td{color:var(--muted)}
.scroll{overflow-x:auto}
table.matrix td,table.matrix th{padding:3px 8px;font-size:12.5px}
table.matrix td.diag{font-weight:700}
.pctv{display:inline-block;min-width:3.6em;text-align:right}
.share{display:inline-block;height:8px;background:#8fb3d9;border-radius:2px;vertical-align:middle;margin-left:8px}
details{margin:10px 0}
summary{cursor:pointer;color:var(--accent);font-weight:600;font-size:14px}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;font-size:13.5px;margin:10px 0}
dl.prov dt{color:var(--muted)}
dl.prov dd{margin:0;word-break:break-all}
ul.bad{font-size:13px;margin:4px 0 12px;padding-left:20px}
@media print{
main{max-width:none;padding:0}
h2{break-after:avoid}
figure,table,.card{break-inside:avoid}
.cards{grid-template-columns:1fr 1fr}
a{color:inherit}
}
`

const num = (x: number | undefined, f: (x: number) => string): string => (x === undefined ? "\u2013" : f(x))

const deltaCell = (d: number | undefined, f: (x: number) => string = signed3): string => {
  if (d === undefined) return `<td class="n">\u2013</td>`
  const cls = f(d).startsWith("+") ? "pos" : f(d).startsWith("\u2212") ? "neg" : ""
  return `<td class="n${cls === "" ? "" : ` ${cls}`}">${esc(f(d))}</td>`
}

const tableHtml = (
  head: ReadonlyArray<{ readonly text: string; readonly n?: boolean }>,
  body: ReadonlyArray<string>,
  cls?: string
): string =>
  `<div class="scroll"><table${cls !== undefined ? ` class="${cls}"` : ""}><thead><tr>` +
  head.map((h) => `<th${h.n === true ? ` class="n"` : ""}>${esc(h.text)}</th>`).join("") +
  `</tr></thead><tbody>\n${body.join("\n")}\n</tbody></table></div>`

/** Plain blocks (render-proof.ts) as HTML. */
const blocksHtml = (blocks: ReadonlyArray<Block>): string =>
  blocks.map((b) =>
    b.kind === "h3" ? `<h3>${esc(b.text)}</h3>`
    : b.kind === "p" ? `<p>${esc(b.text)}</p>`
    : tableHtml(b.head.map((h, i) => ({ text: h, n: b.numeric[i] === true })),
      b.rows.map((row) => `<tr>${row.map((c, i) => `<td${b.numeric[i] === true ? ` class="n"` : ""}>${esc(c)}</td>`).join("")}</tr>`))
  ).join("\n")

const card = (r: Report, c: Comparison, which: "union" | "random"): string => {
  const b = badge(r, which)
  const title = which === "union" ? "REVO-LION vs the union of all train data" : c.statistic !== undefined ? "REVO-LION vs random subsets of its per-dataset sizes" : "REVO-LION vs a random subset of its size"
  const ctrl = which === "union" ? "union" : "random"
  const dCls = b === "win" ? "pos" : b === "lose" ? "neg" : ""
  return `<section class="card" data-comparison="${which}">
<h3><span>${esc(title)}<span class="k">${c.statistic !== undefined ? `macro mean sample MQ over the datasets' own ${c.eval_sets.length} eval splits` : `mean MQ over ${c.eval_sets.length} eval sets`}</span></span><span class="badge ${b}">${esc(badgeText(b))}</span></h3>
<div class="nums">
<div class="num"><div class="v">${f3(c.subject_mean)}</div><div class="k">REVO-LION \u00b7 ${int(c.subject_train_size)} samples</div></div>
<div class="num"><div class="v">${f3(c.control_mean)}</div><div class="k">${ctrl} \u00b7 ${int(c.control_train_size)} samples</div></div>
<div class="num delta"><div class="v ${dCls}">${esc(c.control_mean === 0 ? signed3(c.diff) : signedPct(c.rel_diff))}</div><div class="k">difference${c.rel_lo !== undefined && c.rel_hi !== undefined ? ` \u00b7 95% CI ${esc(interval({ rel_lo: c.rel_lo, rel_hi: c.rel_hi }))}` : ""}</div></div>
</div>
<p class="verdict">${esc(c.verdict)}</p>
</section>`
}

const matrixTable = (r: Report, value: (t: string, e: string) => number | undefined): string => {
  const cols = evalSets(r)
  return tableHtml(
    [{ text: "tuned on \u2193 / eval on \u2192" }, ...cols.map((c) => ({ text: setLabel(c), n: true }))],
    tuneSets(r).map((t) =>
      `<tr><th>${esc(setLabel(t))}</th>` +
      cols.map((e) => `<td class="n${t === e ? " diag" : ""}">${num(value(t, e), f3)}</td>`).join("") +
      `</tr>`
    ),
    "matrix"
  )
}

export const renderHtml = (r: Report): string => {
  const u = r.comparison.union
  const x = r.comparison.random
  const s: Array<string> = []
  s.push(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="revo">
<title>${esc(r.experiment)} \u00b7 REVO-LION study</title>
<style>${CSS}</style>
</head>
<body>
<main>`)

  // header + summary
  s.push(`<header>
<div class="eyebrow">revo \u00b7 tune-cross-evaluation report</div>
<h1>${esc(r.experiment)}</h1>
${backendLines(r).map((l) => `<p class="backend">${esc(l)}</p>`).join("\n")}
<p class="meta">${r.datasets.length} datasets \u00b7 ${esc(mqSummary(r))} \u00b7 spec <code title="${esc(r.spec_sha256)}">${esc(shortHash(r.spec_sha256))}</code></p>
</header>`)
  s.push(`<section id="summary">
<h2>Summary</h2>
<p class="lead">${esc(setupSentence(r))}</p>
<div class="cards">
${card(r, u, "union")}
${card(r, x, "random")}
</div>
<p>${esc(dqSentence(r))}</p>
</section>`)

  // heat map
  s.push(`<section id="mq">
<h2>MQ matrix</h2>
<figure>
${mqHeatmapSvg(r)}
<figcaption>Each cell is the MQ of the model tuned on the row's set, answering the column's eval set; outlined cells are in-domain. Colour runs from the lowest to the highest MQ in the matrix (viridis). Hover a cell for every metric.</figcaption>
</figure>`)
  const metrics = cellMetrics(r)
  const items = itemsPerEval(r)
  s.push(`<details><summary>Every metric on its own, and eval items per set</summary>`)
  for (const m of metrics) {
    s.push(`<h3>${esc(metricName(m))} <span class="note">(${esc(m)})</span></h3>`)
    s.push(matrixTable(r, (t, e) => r.cross[t]?.[e]?.[m]))
  }
  if (evalMetricsDiffer(r)) {
    s.push(`<h3>Metrics per eval set</h3>`)
    s.push(tableHtml([{ text: "eval set" }, { text: "metrics" }, { text: "MQ averages" }], evalMetricsRows(r).map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)))
  }
  s.push(`<h3>Eval items per eval set</h3>`)
  s.push(
    tableHtml(
      [{ text: "eval set" }, { text: "items", n: true }],
      evalSets(r).map((e) => `<tr><td>${esc(setLabel(e))}</td><td class="n">${num(items[e], int)}</td></tr>`)
    )
  )
  s.push(`</details>`)
  s.push(blocksHtml(degenerateBlocks(r)))
  s.push(`</section>`)

  // DQ
  const dqOpts = r.settings?.dq
  s.push(`<section id="dq">
<h2>Dataset quality (DQ)</h2>
<p>DQ(T) = mean over eval sets E \u2260 T of MQ(T\u2192E) / MQ(E\u2192E): how well a model tuned on T does on the other datasets, relative to each one's in-domain model${dqOpts !== undefined ? ` (normalize: ${esc(dqOpts.normalize)}, include_self: ${String(dqOpts.include_self)})` : ""}.</p>
<figure>
${dqBarsSvg(r)}
<figcaption>Sorted, best first.${dqRanked(r).length > 0 ? "" : " No DQ values."}</figcaption>
</figure>
${blocksHtml(dqExtraBlocks(r))}
</section>`)

  // SQ
  const sqOpts = r.settings?.sq
  s.push(`<section id="sq">
<h2>Sample quality (SQ)</h2>
<p>${esc(sqFormula(sqOpts?.normalize))}: how well models that never saw sample x answer it${sqOpts !== undefined ? ` (normalize: ${esc(sqOpts.normalize)}, crossfit: ${sqOpts.crossfit})` : ""}.</p>
<figure>
${sqDistSvg(r)}
<figcaption>${r.sq_hist.bins} bins from ${f3(r.sq_hist.lo)} to ${f3(r.sq_hist.hi)}, shared by all panels (values outside fall into the end bins); bar heights are scaled per dataset.</figcaption>
</figure>`)
  s.push(
    tableHtml(
      [{ text: "dataset" }, { text: "n", n: true }, { text: "mean", n: true }, { text: "p10", n: true }, { text: "p50", n: true }, { text: "p90", n: true }],
      r.datasets.map((d) => {
        const q = r.sq[d]
        const cells = q === undefined ? ["\u2013", "\u2013", "\u2013", "\u2013", "\u2013"] : [int(q.n), f3(q.mean), f3(q.p10), f3(q.p50), f3(q.p90)]
        return `<tr><td>${esc(d)}</td>${cells.map((c) => `<td class="n">${c}</td>`).join("")}</tr>`
      })
    )
  )
  s.push(blocksHtml(sqNoteBlocks(r)))
  s.push(`</section>`)

  // proof
  if (r.proof !== undefined) {
    const curve = r.proof.budget_curve
    s.push(`<section id="proof">
<h2>Proof</h2>
${blocksHtml(proofBlocks(r))}
${curve.length > 0 ? `<figure>
${budgetSvg(curve.map((b) => ({
    budget: b.budget, revolion: b.rel_revolion.macro, random: b.rel_random.macro,
    ...(b.revolion_vs_union?.macro ? { revolionCi: [b.revolion_vs_union.macro.rel_lo, b.revolion_vs_union.macro.rel_hi] as const } : {}),
    ...(b.random_vs_union?.macro ? { randomCi: [b.random_vs_union.macro.rel_lo, b.random_vs_union.macro.rel_hi] as const } : {})
  })))}
<figcaption>Budget curve: the headline (macro mean sample MQ on the datasets' own eval splits) relative to the union, for REVO-LION and the stratified random control (mean over its seeds) at each budget; bars and bands are paired-bootstrap 95% intervals.</figcaption>
</figure>` : ""}
</section>`)
  } else {
    const proof = proofRows(r).map((row) =>
      `<tr><td>${esc(row.label)}</td><td class="n">${num(row.revolion, f3)}</td><td class="n">${num(row.union, f3)}</td>` +
      `${deltaCell(row.dUnion)}<td class="n">${num(row.random, f3)}</td>${deltaCell(row.dRandom)}</tr>`
    )
    proof.push(
      `<tr class="total"><td>mean (${u.eval_sets.length} / ${x.eval_sets.length} eval sets)</td><td class="n">${f3(u.subject_mean)}</td>` +
        `<td class="n">${f3(u.control_mean)}</td>${deltaCell(u.diff)}<td class="n">${f3(x.control_mean)}</td>${deltaCell(x.diff)}</tr>`
    )
    proof.push(
      `<tr class="sub"><td>train samples</td><td class="n">${int(u.subject_train_size)}</td><td class="n">${int(u.control_train_size)}</td>` +
        `<td></td><td class="n">${int(x.control_train_size)}</td><td></td></tr>`
    )
    s.push(`<section id="proof">
  <h2>Proof table</h2>
  <p>MQ of the models tuned on REVO-LION, on the union of all train splits and on a random subset of REVO-LION's size, on every eval set. \u0394 = REVO-LION minus the control; within ${esc(pct(u.tolerance, 0))} of the control's mean counts as a tie.</p>
  ${tableHtml(
    [{ text: "eval set" }, { text: "REVO-LION", n: true }, { text: "union", n: true }, { text: "\u0394 vs union", n: true }, { text: "random", n: true }, { text: "\u0394 vs random", n: true }],
    proof
  )}
  </section>`)
  }

  // composition
  const comp = compositionRows(r)
  const maxShare = Math.max(0, ...comp.map((c) => (r.revolion.train_size > 0 ? c.train / r.revolion.train_size : 0)))
  s.push(`<section id="revolion">
<h2>REVO-LION composition</h2>
<p>The top ${esc(pct(r.revolion.budget, 0))} of each train split by SQ, so no dataset crowds out another: <strong>${int(r.revolion.train_size)}</strong> train samples; the eval set holds <strong>${int(r.revolion.eval_size)}</strong> samples chosen by SQ from the eval splits, with no image shared with any train split.</p>
${tableHtml(
  [{ text: "dataset" }, { text: "train selected", n: true }, { text: "of train split", n: true }, { text: "share of REVO-LION train" }, { text: "eval selected", n: true }, { text: "of eval split", n: true }],
  [
    ...comp.map((c) => {
      const share = r.revolion.train_size > 0 ? c.train / r.revolion.train_size : 0
      // bar widths relative to the largest share, so small parts stay visible
      const w = maxShare > 0 ? Math.max(1, (share / maxShare) * 140) : 0
      return `<tr><td>${esc(c.dataset)}</td><td class="n">${int(c.train)}</td><td class="n">${num(c.trainSplit, int)}</td>` +
        `<td><span class="pctv">${esc(pct(share))}</span><span class="share" style="width:${w.toFixed(1)}px"></span></td>` +
        `<td class="n">${int(c.eval)}</td><td class="n">${num(c.evalSplit, int)}</td></tr>`
    }),
    `<tr class="total"><td>total</td><td class="n">${int(r.revolion.train_size)}</td><td></td><td></td><td class="n">${int(r.revolion.eval_size)}</td><td></td></tr>`
  ]
)}
</section>`)

  // bad rows
  const bad = totalBadRows(r)
  s.push(`<section id="bad-rows">
<h2>Bad rows</h2>`)
  if (bad === 0) {
    s.push(`<p>No bad rows: every source row became a sample.</p>`)
  } else {
    const ids = r.datasets.filter((d) => (r.bad_rows[d]?.count ?? 0) > 0)
    const capped = r.datasets.some((d) => (r.bad_rows[d]?.count ?? 0) > BAD_ROWS_IN_REPORT)
    s.push(`<p>${int(bad)} source rows could not be read and were left out, never silently; ${BAD_ROWS_FILE} lists each with its file, line and reason${capped ? `, and the first ${BAD_ROWS_IN_REPORT} of each dataset are listed here` : ""}:</p>`)
    s.push(tableHtml([{ text: "dataset" }, { text: "bad rows", n: true }], ids.map((d) => `<tr><td>${esc(d)}</td><td class="n">${int(r.bad_rows[d]?.count ?? 0)}</td></tr>`)))
    s.push(`<details><summary>Bad rows listed</summary>`)
    for (const d of ids) {
      const b = r.bad_rows[d]!
      s.push(`<h3>${esc(d)}</h3><ul class="bad">`)
      for (const row of b.rows.slice(0, BAD_ROWS_IN_REPORT)) s.push(`<li><code>${esc(badRowWhere(row))}</code> ${esc(row.reason)}</li>`)
      const more = b.count - Math.min(b.rows.length, BAD_ROWS_IN_REPORT)
      if (more > 0) s.push(`<li>\u2026 and ${int(more)} more in ${BAD_ROWS_FILE}</li>`)
      s.push(`</ul>`)
    }
    s.push(`</details>`)
  }
  s.push(`</section>`)

  // provenance
  const pv = r.provenance
  const dl = [
    ["spec sha256", `<code>${esc(pv.spec_sha256)}</code>`],
    ["plugin", `${esc(pv.plugin.name)} ${esc(pv.plugin.version)} \u00b7 code <code>${esc(pv.plugin.code_sha256)}</code>`],
    ...orderedKeys(pv.tools, []).map((k) => [esc(k), esc(pv.tools[k] ?? "")]),
    ...orderedKeys(pv.dataset_keys, r.datasets).map((d) => [`dataset ${esc(d)}`, `<code>${esc(pv.dataset_keys[d] ?? "")}</code>`])
  ]
  s.push(`<section id="provenance">
<h2>Provenance</h2>
<dl class="prov">
${dl.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("\n")}
</dl>
<p class="note">Every number on this page is in report.json next to it; this page can be rebuilt from that file alone.</p>
</section>
</main>
</body>
</html>
`)
  return s.join("\n")
}
