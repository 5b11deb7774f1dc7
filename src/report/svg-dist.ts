/**
 * SQ distributions per dataset as small multiples: one histogram per dataset on a shared x range,
 * each with its p10 / p50 / p90 and mean marked. Heights are scaled per panel (datasets differ
 * in size by 100x); the panel states n. Pure string builder, plus the binning helper the writer
 * of report.json uses so that the bins drawn are the bins stored.
 */
import type { Report, SqSummary } from "./types.ts"
import { esc, f3, int } from "./render-format.ts"
import { c2, FONT, niceStep, textWidth, tickText } from "./svg-scale.ts"

/** Counts of `values` in `bins` equal bins over [lo, hi]; values outside are clamped to the end bins. */
export const binCounts = (values: Iterable<number>, lo: number, hi: number, bins: number): Array<number> => {
  const counts = new Array<number>(bins).fill(0)
  if (bins <= 0) return counts
  const span = hi - lo
  for (const v of values) {
    if (!Number.isFinite(v)) continue
    const k = span > 0 ? Math.floor(((v - lo) / span) * bins) : 0
    counts[Math.min(bins - 1, Math.max(0, k))]! += 1
  }
  return counts
}

export interface DistPanel {
  readonly label: string
  readonly counts: ReadonlyArray<number>
  readonly summary?: SqSummary
}

export interface DistInput {
  readonly panels: ReadonlyArray<DistPanel>
  readonly lo: number
  readonly hi: number
  /** a dotted reference line (SQ = 1: as good as the model's mean on the dataset) */
  readonly ref?: number
  readonly columns?: number
  readonly title?: string
}

const PW = 330
const PH = 134
const PLOT_TOP = 46
const PLOT_H = 60
const GAP_X = 22
const GAP_Y = 14
const SIDE = 10

export const distSvg = (inp: DistInput): string => {
  const cols = Math.max(1, Math.min(inp.columns ?? 3, inp.panels.length))
  const rows = Math.ceil(inp.panels.length / cols)
  const legendH = 24
  const width = SIDE * 2 + cols * PW + (cols - 1) * GAP_X
  const height = legendH + rows * PH + (rows - 1) * GAP_Y + 6
  const span = inp.hi - inp.lo
  const plotW = PW - 16
  const xs = (px: number, v: number): number =>
    px + 8 + (span > 0 ? (Math.min(inp.hi, Math.max(inp.lo, v)) - inp.lo) / span : 0.5) * plotW

  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="dist" role="img" width="${c2(width)}" height="${c2(height)}" ` +
      `viewBox="0 0 ${c2(width)} ${c2(height)}" font-family="${esc(FONT)}">`
  )
  out.push(`<title>${esc(inp.title ?? "distributions")}</title>`)
  // legend
  let lx = SIDE
  const ly = 12
  const legend = (mark: (x: number) => string, text: string): void => {
    out.push(mark(lx))
    out.push(`<text x="${c2(lx + 24)}" y="${ly}" font-size="11" fill="#374151" dominant-baseline="central">${esc(text)}</text>`)
    lx += 24 + textWidth(text, 11) + 18
  }
  const hline = (extra: string) => (x: number): string =>
    `<line x1="${c2(x)}" x2="${c2(x + 18)}" y1="${ly}" y2="${ly}" ${extra}/>`
  legend(hline(`stroke="#b91c1c" stroke-width="2"`), "median (p50)")
  legend(hline(`stroke="#b91c1c" stroke-width="1.2" stroke-dasharray="3 2"`), "p10 / p90")
  legend((x) => `<path d="M ${c2(x + 9)} ${ly + 4} l -5 -8 h 10 z" fill="#111827"/>`, "mean")
  if (inp.ref !== undefined) legend(hline(`stroke="#6b7280" stroke-dasharray="1 2"`), `SQ = ${String(Number(inp.ref.toFixed(3)))}`)

  const step = niceStep(span, 4)
  inp.panels.forEach((p, idx) => {
    const px = SIDE + (idx % cols) * (PW + GAP_X)
    const py = legendH + Math.floor(idx / cols) * (PH + GAP_Y)
    const s = p.summary
    out.push(`<g class="panel" data-dataset="${esc(p.label)}">`)
    out.push(`<rect x="${c2(px)}" y="${c2(py)}" width="${PW}" height="${PH}" fill="#ffffff" stroke="#e5e7eb"/>`)
    out.push(`<text x="${c2(px + 8)}" y="${c2(py + 15)}" font-size="12" font-weight="600" fill="#111827">${esc(p.label)}</text>`)
    const stats = s !== undefined
      ? `n ${int(s.n)} \u00b7 p10 ${f3(s.p10)} \u00b7 median ${f3(s.p50)} \u00b7 p90 ${f3(s.p90)}`
      : "no SQ"
    out.push(`<text x="${c2(px + 8)}" y="${c2(py + 29)}" font-size="10.5" fill="#6b7280">${esc(stats)}</text>`)
    const base = py + PLOT_TOP + PLOT_H
    const maxC = Math.max(0, ...p.counts)
    const bw = plotW / Math.max(1, p.counts.length)
    p.counts.forEach((n, k) => {
      if (n <= 0) return
      const h = Math.max(1, (n / maxC) * PLOT_H)
      out.push(
        `<rect class="bin" x="${c2(px + 8 + k * bw + 0.5)}" y="${c2(base - h)}" width="${c2(Math.max(0.5, bw - 1))}" ` +
          `height="${c2(h)}" fill="#8fb3d9"><title>${int(n)}</title></rect>`
      )
    })
    out.push(`<line x1="${c2(px + 8)}" x2="${c2(px + 8 + plotW)}" y1="${c2(base)}" y2="${c2(base)}" stroke="#9ca3af"/>`)
    for (let v = Math.ceil(inp.lo / step - 1e-9) * step; v <= inp.hi + step * 1e-6; v += step) {
      const x = xs(px, v)
      out.push(`<line x1="${c2(x)}" x2="${c2(x)}" y1="${c2(base)}" y2="${c2(base + 3)}" stroke="#9ca3af"/>`)
      out.push(
        `<text x="${c2(x)}" y="${c2(base + 13)}" font-size="10" fill="#6b7280" text-anchor="middle">${tickText(v, step)}</text>`
      )
    }
    if (inp.ref !== undefined && inp.ref >= inp.lo && inp.ref <= inp.hi) {
      const x = xs(px, inp.ref)
      out.push(
        `<line x1="${c2(x)}" x2="${c2(x)}" y1="${c2(base - PLOT_H - 2)}" y2="${c2(base)}" stroke="#6b7280" stroke-dasharray="1 2"/>`
      )
    }
    if (s !== undefined && s.n > 0) {
      for (const [v, dash, w] of [[s.p10, true, 1.2], [s.p90, true, 1.2], [s.p50, false, 2]] as const) {
        const x = xs(px, v)
        out.push(
          `<line class="${dash ? "pct" : "median"}" x1="${c2(x)}" x2="${c2(x)}" y1="${c2(base - PLOT_H - 2)}" y2="${c2(base)}" ` +
            `stroke="#b91c1c" stroke-width="${w}"${dash ? ` stroke-dasharray="3 2"` : ""}/>`
        )
      }
      const mx = xs(px, s.mean)
      out.push(`<path class="mean" d="M ${c2(mx)} ${c2(base - PLOT_H - 2)} l -5 -7 h 10 z" fill="#111827"><title>mean ${f3(s.mean)}</title></path>`)
    }
    out.push(`</g>`)
  })
  out.push(`</svg>`)
  return out.join("\n")
}

/** The report's SQ histograms, one panel per dataset in the spec's order. */
export const sqDistSvg = (report: Report): string => {
  const h = report.sq_hist
  const normalized = report.settings?.sq?.normalize !== "none"
  const panels = report.datasets.map((d) => {
    const s = report.sq[d]
    return { label: d, counts: h.counts[d] ?? [], ...(s !== undefined ? { summary: s } : {}) }
  })
  return distSvg({
    panels,
    lo: h.lo,
    hi: h.hi,
    title: "SQ distribution per dataset",
    ...(normalized && h.lo <= 1 && h.hi >= 1 ? { ref: 1 } : {})
  })
}
