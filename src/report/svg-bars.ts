/**
 * Horizontal bar chart, sorted by value (largest on top), value printed at each bar's end.
 * Used for DQ: how well a model tuned on each dataset does on all the others. Pure string builder.
 */
import type { Report } from "./types.ts"
import { esc, f3 } from "./render-format.ts"
import { c2, FONT, niceStep, textWidth, tickText } from "./svg-scale.ts"

export interface Bar {
  readonly label: string
  readonly value: number
}

export interface BarsInput {
  readonly bars: ReadonlyArray<Bar>
  /** a dashed vertical reference line, e.g. DQ = 1 (as good as in-domain) */
  readonly ref?: { readonly value: number; readonly label: string }
  readonly title?: string
  readonly format?: (x: number) => string
  /** width of the plotting area in px */
  readonly plotWidth?: number
}

/** Bars sorted by value, descending; ties by label so the order never depends on input order. */
export const sortBars = (bars: ReadonlyArray<Bar>): ReadonlyArray<Bar> =>
  [...bars].sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))

const BAR_H = 20
const STEP = 26
const LABEL = 12

export const barsSvg = (inp: BarsInput): string => {
  const fmt = inp.format ?? f3
  const bars = sortBars(inp.bars.filter((b) => Number.isFinite(b.value)))
  const plotW = inp.plotWidth ?? 520
  const labelW = Math.max(40, ...bars.map((b) => textWidth(b.label, LABEL))) + 14
  const maxV = Math.max(0, ...bars.map((b) => b.value), inp.ref?.value ?? 0)
  const step = niceStep(maxV, 5)
  const axisMax = maxV > 0 ? Math.ceil(maxV / step - 1e-9) * step : 1
  const x0 = labelW + 8
  const top = 24
  const xs = (v: number): number => x0 + (Math.max(0, v) / axisMax) * plotW
  const height = top + bars.length * STEP + 30
  const width = x0 + plotW + 60

  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="bars" role="img" width="${c2(width)}" height="${c2(height)}" ` +
      `viewBox="0 0 ${c2(width)} ${c2(height)}" font-family="${esc(FONT)}">`
  )
  out.push(`<title>${esc(inp.title ?? "bar chart")}</title>`)
  // light grid with ticks along the bottom
  const axisY = top + bars.length * STEP + 4
  for (let v = 0; v <= axisMax + step * 1e-6; v += step) {
    const x = xs(v)
    out.push(`<line x1="${c2(x)}" x2="${c2(x)}" y1="${top - 6}" y2="${c2(axisY)}" stroke="#e5e7eb"/>`)
    out.push(`<text x="${c2(x)}" y="${c2(axisY + 14)}" font-size="10.5" fill="#6b7280" text-anchor="middle">${tickText(v, step)}</text>`)
  }
  bars.forEach((b, i) => {
    const y = top + i * STEP
    const w = xs(b.value) - x0
    out.push(
      `<text x="${c2(x0 - 8)}" y="${c2(y + BAR_H / 2)}" font-size="${LABEL}" fill="#1f2937" text-anchor="end" ` +
        `dominant-baseline="central">${esc(b.label)}</text>`
    )
    out.push(
      `<rect class="bar" data-label="${esc(b.label)}" data-value="${esc(fmt(b.value))}" x="${c2(x0)}" y="${c2(y)}" ` +
        `width="${c2(Math.max(0.5, w))}" height="${BAR_H}" fill="#3b528b"><title>${esc(b.label)}: ${esc(fmt(b.value))}</title></rect>`
    )
    out.push(
      `<text x="${c2(x0 + w + 5)}" y="${c2(y + BAR_H / 2)}" font-size="11.5" fill="#111827" dominant-baseline="central" ` +
        `font-variant-numeric="tabular-nums">${esc(fmt(b.value))}</text>`
    )
  })
  if (inp.ref !== undefined) {
    const x = xs(inp.ref.value)
    out.push(
      `<line class="ref" x1="${c2(x)}" x2="${c2(x)}" y1="${top - 10}" y2="${c2(axisY)}" stroke="#b91c1c" stroke-dasharray="4 3" stroke-width="1.2"/>`
    )
    out.push(`<text x="${c2(x)}" y="${top - 13}" font-size="10.5" fill="#b91c1c" text-anchor="middle">${esc(inp.ref.label)}</text>`)
  }
  out.push(`</svg>`)
  return out.join("\n")
}

/** The report's DQ per dataset as sorted bars; the in-domain line at 1 when DQ is normalised. */
export const dqBarsSvg = (report: Report): string => {
  const normalized = report.settings?.dq?.normalize !== "none"
  const bars = report.datasets.flatMap((d) => {
    const v = report.dq[d]
    return v === undefined ? [] : [{ label: d, value: v }]
  })
  return barsSvg({
    bars,
    title: "DQ per dataset, sorted",
    ...(normalized ? { ref: { value: 1, label: "in-domain = 1" } } : {})
  })
}
