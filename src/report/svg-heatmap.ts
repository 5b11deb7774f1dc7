/**
 * SVG heat map of the tune x eval MQ matrix: tune sets as rows, eval sets as columns, the value
 * printed in every cell, a viridis scale with its legend. Each cell is a `rect.cell` carrying
 * `data-tune` / `data-eval`, so a test (or a reader's devtools) can find it. Pure string builder.
 */
import type { Report } from "./types.ts"
import { evalSets, tuneSets } from "./types.ts"
import { esc, f3, int, setLabel } from "./render-format.ts"
import { c2, FONT, niceStep, textOn, textWidth, viridis } from "./svg-scale.ts"

export interface HeatmapInput {
  readonly rows: ReadonlyArray<string>
  readonly cols: ReadonlyArray<string>
  readonly value: (row: string, col: string) => number | undefined
  /** tooltip text per cell */
  readonly tooltip?: (row: string, col: string) => string
  readonly rowLabel?: (id: string) => string
  readonly colLabel?: (id: string) => string
  /** rows from this index on are drawn after a small gap (controls below the datasets) */
  readonly rowBreak?: number
  /** columns from this index on are drawn after a small gap */
  readonly colBreak?: number
  /** cells drawn with an outline (the in-domain diagonal) */
  readonly outline?: (row: string, col: string) => boolean
  /** cells marked with a warning sign (degenerate predictions), with the reason in the tooltip */
  readonly flag?: (row: string, col: string) => string | undefined
  /** rows whose label is set in bold */
  readonly strongRows?: ReadonlyArray<string>
  readonly legendTitle?: string
  /** unique prefix for ids inside the SVG (gradient), so two maps can share a page */
  readonly idPrefix?: string
  readonly format?: (x: number) => string
}

const CELL_W = 62
const CELL_H = 28
const GAP = 10
const LABEL = 12
const VALUE = 11.5
const PAD = 8

export const heatmapSvg = (inp: HeatmapInput): string => {
  const rowLabel = inp.rowLabel ?? ((s: string) => s)
  const colLabel = inp.colLabel ?? ((s: string) => s)
  const fmt = inp.format ?? f3
  const prefix = inp.idPrefix ?? "hm"
  const strong = new Set(inp.strongRows ?? [])

  const values: Array<number> = []
  for (const r of inp.rows) {
    for (const c of inp.cols) {
      const v = inp.value(r, c)
      if (v !== undefined && Number.isFinite(v)) values.push(v)
    }
  }
  const lo = values.length > 0 ? Math.min(...values) : 0
  const hi = values.length > 0 ? Math.max(...values) : 1
  const t = (v: number): number => (hi > lo ? (v - lo) / (hi - lo) : 0.5)

  const rowLabelW = Math.max(60, ...inp.rows.map((r) => textWidth(rowLabel(r), LABEL))) + 12
  const colLabelH = Math.max(40, ...inp.cols.map((c) => textWidth(colLabel(c), LABEL) * Math.SQRT1_2)) + 28
  const x0 = PAD + rowLabelW
  const y0 = PAD + colLabelH
  const colX = (j: number): number => x0 + j * CELL_W + (inp.colBreak !== undefined && j >= inp.colBreak ? GAP : 0)
  const rowY = (i: number): number => y0 + i * CELL_H + (inp.rowBreak !== undefined && i >= inp.rowBreak ? GAP : 0)
  const gridW = colX(inp.cols.length - 1) + CELL_W - x0
  const gridH = rowY(inp.rows.length - 1) + CELL_H - y0

  // legend: vertical gradient bar right of the grid
  const legX = x0 + gridW + 24
  const legH = Math.min(gridH, 220)
  const legY = y0
  const width = legX + 12 + 60
  const height = y0 + gridH + PAD + 4

  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" width="${c2(width)}" height="${c2(height)}" ` +
      `viewBox="0 0 ${c2(width)} ${c2(height)}" font-family="${esc(FONT)}" ` +
      `data-rows="${inp.rows.length}" data-cols="${inp.cols.length}">`
  )
  out.push(`<title>${esc(inp.legendTitle ?? "MQ")} heat map: ${inp.rows.length} tune sets by ${inp.cols.length} eval sets</title>`)
  out.push(`<defs><linearGradient id="${esc(prefix)}-grad" x1="0" y1="1" x2="0" y2="0">`)
  for (let k = 0; k <= 8; k++) out.push(`<stop offset="${c2(k / 8)}" stop-color="${viridis(k / 8)}"/>`)
  out.push(`</linearGradient></defs>`)

  // axis captions in the top-left corner
  out.push(
    `<text x="${c2(x0 - 8)}" y="${c2(y0 - 8)}" font-size="11" fill="#6b7280" text-anchor="end">tuned on \u2193 / evaluated on \u2192</text>`
  )

  // column labels, rotated so long dataset ids stay readable
  inp.cols.forEach((c, j) => {
    const cx = colX(j) + CELL_W / 2
    out.push(
      `<text class="col-label" x="${c2(cx)}" y="${c2(y0 - 6)}" font-size="${LABEL}" fill="#1f2937" ` +
        `transform="rotate(-45 ${c2(cx)} ${c2(y0 - 6)})">${esc(colLabel(c))}</text>`
    )
  })
  // row labels
  inp.rows.forEach((r, i) => {
    const cy = rowY(i) + CELL_H / 2
    const weight = strong.has(r) ? ` font-weight="700"` : ""
    out.push(
      `<text class="row-label" x="${c2(x0 - 8)}" y="${c2(cy)}" font-size="${LABEL}" fill="#1f2937" ` +
        `text-anchor="end" dominant-baseline="central"${weight}>${esc(rowLabel(r))}</text>`
    )
  })

  // cells
  inp.rows.forEach((r, i) => {
    inp.cols.forEach((c, j) => {
      const x = colX(j)
      const y = rowY(i)
      const v = inp.value(r, c)
      const has = v !== undefined && Number.isFinite(v)
      const flag = inp.flag?.(r, c)
      const tip = (inp.tooltip?.(r, c) ?? `${rowLabel(r)} \u2192 ${colLabel(c)}: ${has ? fmt(v) : "no result"}`) + (flag !== undefined ? ` \u2014 degenerate: ${flag}` : "")
      const fill = has ? viridis(t(v)) : "#f3f4f6"
      const cls = (has ? "cell" : "cell missing") + (flag !== undefined ? " degenerate" : "")
      const dv = has ? ` data-value="${esc(fmt(v))}"` : ""
      out.push(
        `<rect class="${cls}" data-tune="${esc(r)}" data-eval="${esc(c)}"${dv} x="${c2(x + 0.5)}" y="${c2(y + 0.5)}" ` +
          `width="${CELL_W - 1}" height="${CELL_H - 1}" fill="${fill}"><title>${esc(tip)}</title></rect>`
      )
      const txt = (has ? fmt(v) : "\u2013") + (flag !== undefined ? "\u26a0" : "")
      const color = has ? textOn(t(v)) : "#9ca3af"
      out.push(
        `<text x="${c2(x + CELL_W / 2)}" y="${c2(y + CELL_H / 2)}" font-size="${VALUE}" fill="${color}" ` +
          `text-anchor="middle" dominant-baseline="central" font-variant-numeric="tabular-nums" pointer-events="none">${txt}</text>`
      )
      if (inp.outline?.(r, c) === true) {
        // dark outer and white inner ring: visible on both ends of the scale
        out.push(
          `<rect class="outline" x="${c2(x + 1)}" y="${c2(y + 1)}" width="${CELL_W - 2}" height="${CELL_H - 2}" ` +
            `fill="none" stroke="#111827" stroke-width="2" pointer-events="none"/>` +
            `<rect x="${c2(x + 2.5)}" y="${c2(y + 2.5)}" width="${CELL_W - 5}" height="${CELL_H - 5}" ` +
            `fill="none" stroke="#ffffff" stroke-width="1" pointer-events="none"/>`
        )
      }
    })
  })

  // legend
  out.push(`<text x="${c2(legX)}" y="${c2(legY - 10)}" font-size="11" fill="#374151">${esc(inp.legendTitle ?? "MQ")}</text>`)
  out.push(
    `<rect x="${c2(legX)}" y="${c2(legY)}" width="12" height="${c2(legH)}" fill="url(#${esc(prefix)}-grad)" stroke="#d1d5db" stroke-width="0.5"/>`
  )
  const ticks: Array<number> = [lo, hi]
  if (hi > lo) {
    const step = niceStep(hi - lo, 4)
    for (let v = Math.ceil(lo / step) * step; v < hi - step * 0.35; v += step) {
      if (v > lo + step * 0.35) ticks.push(v)
    }
  }
  ticks.sort((a, b) => a - b)
  for (const v of ticks) {
    const y = legY + legH - (hi > lo ? (v - lo) / (hi - lo) : 0.5) * legH
    out.push(`<line x1="${c2(legX + 12)}" x2="${c2(legX + 16)}" y1="${c2(y)}" y2="${c2(y)}" stroke="#6b7280"/>`)
    out.push(
      `<text x="${c2(legX + 19)}" y="${c2(y)}" font-size="10.5" fill="#374151" dominant-baseline="central">${fmt(v)}</text>`
    )
  }
  out.push(`</svg>`)
  return out.join("\n")
}

/** The report's MQ matrix as a heat map: datasets + union/REVO-LION/random by datasets + REVO-LION eval. */
export const mqHeatmapSvg = (report: Report): string => {
  const rows = tuneSets(report)
  const cols = evalSets(report)
  const cell = (r: string, c: string) => report.cross[r]?.[c]
  return heatmapSvg({
    rows,
    cols,
    value: (r, c) => cell(r, c)?.mq,
    tooltip: (r, c) => {
      const x = cell(r, c)
      if (x === undefined) return `${setLabel(r)} \u2192 ${setLabel(c)}: no result`
      const parts = report.mq_metrics.map((m) => `${m} ${x[m] === undefined ? "\u2013" : f3(x[m])}`)
      return `${setLabel(r)} \u2192 ${setLabel(c)}: MQ ${f3(x.mq)} (${parts.join(", ")}; ${int(x.items)} items)`
    },
    rowLabel: setLabel,
    colLabel: setLabel,
    rowBreak: report.datasets.length,
    colBreak: report.datasets.length,
    outline: (r, c) => r === c,
    flag: (r, c) => (report.degenerate?.[`${r}@${c}`] ?? report.proof?.degenerate[`${r}@${c}`])?.reason,
    strongRows: ["revo-lion"],
    legendTitle: "MQ",
    idPrefix: "mq"
  })
}
