/**
 * The budget curve as an SVG line plot: x = the budget (share of each train split kept), y = the
 * headline (macro mean sample MQ on the datasets' own eval splits) relative to the union, for
 * REVO-LION and the stratified random control (the mean over its seeds); the union is the dashed
 * 0 line. Each point carries its paired-bootstrap 95% interval against the union as an error bar,
 * and each series a translucent band through those intervals. Pure string builder, no external assets.
 */
import { esc } from "./render-format.ts"
import { c2, FONT } from "./svg-scale.ts"

export interface BudgetPoint {
  readonly budget: number
  /** relative difference to the union's headline: (set - union) / union */
  readonly revolion: number
  readonly random: number
  /** 95% intervals of those differences (absent without a union control) */
  readonly revolionCi?: readonly [number, number]
  readonly randomCi?: readonly [number, number]
}

const SERIES = [
  { key: "revolion", label: "REVO-LION (top by SQ)", colour: "#7c3aed", dash: "" },
  { key: "random", label: "random (stratified)", colour: "#d97706", dash: "5 3" }
] as const

const pctTick = (v: number): string => `${v > 0 ? "+" : v < 0 ? "\u2212" : ""}${Math.abs(Math.round(v * 1000) / 10)}%`

export const budgetSvg = (points: ReadonlyArray<BudgetPoint>, title = "Budget curve"): string => {
  const pts = [...points].sort((a, b) => a.budget - b.budget)
  const W = 560
  const H = 300
  const left = 64
  const right = 180
  const top = 24
  const bottom = 44
  const ys = pts.flatMap((p) => [p.revolion, p.random, ...(p.revolionCi ?? []), ...(p.randomCi ?? [])]).filter(Number.isFinite)
  const step = 0.05
  const yMin = Math.min(-step, Math.floor(Math.min(0, ...ys) / step) * step)
  const yMax = Math.max(step, Math.ceil(Math.max(0, ...ys) / step) * step)
  const pw = W - left - right
  const ph = H - top - bottom
  const x = (b: number) => left + b * pw
  const y = (v: number) => top + ((yMax - v) / (yMax - yMin)) * ph
  const out: Array<string> = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="budget" role="img" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${esc(FONT)}">`)
  out.push(`<title>${esc(title)}</title>`)
  const nTicks = Math.round((yMax - yMin) / step)
  const every = Math.max(1, Math.ceil(nTicks / 8))
  for (let i = 0; i <= nTicks; i++) {
    // ticks on multiples of every * step, so 0 (the union) is always one of them
    if (Math.round(yMin / step + i) % every !== 0) continue
    const v = yMin + i * step
    out.push(`<line x1="${left}" x2="${left + pw}" y1="${c2(y(v))}" y2="${c2(y(v))}" stroke="#e5e7eb"/>`)
    out.push(`<text x="${left - 6}" y="${c2(y(v) + 3.5)}" font-size="10.5" fill="#6b7280" text-anchor="end">${pctTick(v)}</text>`)
  }
  for (const b of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<text x="${c2(x(b))}" y="${top + ph + 16}" font-size="10.5" fill="#6b7280" text-anchor="middle">${Math.round(b * 100)}%</text>`)
  }
  out.push(`<text x="${c2(left + pw / 2)}" y="${H - 6}" font-size="11" fill="#374151" text-anchor="middle">budget (share of each train split)</text>`)
  out.push(`<text x="14" y="${c2(top + ph / 2)}" font-size="11" fill="#374151" text-anchor="middle" transform="rotate(-90 14 ${c2(top + ph / 2)})">vs union</text>`)
  // the union: the 0 line
  out.push(`<line class="union" x1="${left}" x2="${left + pw}" y1="${c2(y(0))}" y2="${c2(y(0))}" stroke="#111827" stroke-dasharray="2 3"/>`)
  SERIES.forEach((s, i) => {
    const xy = pts.map((p) => [x(p.budget), y(p[s.key])] as const)
    const ci = (p: BudgetPoint) => (s.key === "revolion" ? p.revolionCi : p.randomCi)
    const withCi = pts.filter((p) => ci(p) !== undefined)
    if (withCi.length === pts.length && pts.length > 0) {
      // the band: up along the upper ends, back along the lower ones
      const upper = pts.map((p) => `${c2(x(p.budget))},${c2(y(ci(p)![1]))}`)
      const lower = [...pts].reverse().map((p) => `${c2(x(p.budget))},${c2(y(ci(p)![0]))}`)
      out.push(`<polygon class="band ${s.key}" fill="${s.colour}" fill-opacity="0.12" stroke="none" points="${[...upper, ...lower].join(" ")}"/>`)
    }
    for (const p of withCi) {
      const [lo, hi] = ci(p)!
      const px = x(p.budget) + (s.key === "revolion" ? -3 : 3) // side by side where the intervals overlap
      out.push(`<g class="ci ${s.key}" data-budget="${p.budget}" stroke="${s.colour}" stroke-width="1.5"><title>${esc(`${s.label} at ${Math.round(p.budget * 100)}%: 95% interval ${pctTick(lo)} to ${pctTick(hi)} vs union`)}</title>` +
        `<line x1="${c2(px)}" x2="${c2(px)}" y1="${c2(y(lo))}" y2="${c2(y(hi))}"/>` +
        `<line x1="${c2(px - 4)}" x2="${c2(px + 4)}" y1="${c2(y(lo))}" y2="${c2(y(lo))}"/>` +
        `<line x1="${c2(px - 4)}" x2="${c2(px + 4)}" y1="${c2(y(hi))}" y2="${c2(y(hi))}"/></g>`)
    }
    if (xy.length > 0) {
      out.push(`<polyline class="series ${s.key}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dash !== "" ? ` stroke-dasharray="${s.dash}"` : ""} points="${xy.map(([a, b]) => `${c2(a)},${c2(b)}`).join(" ")}"/>`)
      pts.forEach((p, j) => {
        out.push(`<circle class="point ${s.key}" data-budget="${p.budget}" cx="${c2(xy[j]![0])}" cy="${c2(xy[j]![1])}" r="3.5" fill="${s.colour}"><title>${esc(`${s.label} at ${Math.round(p.budget * 100)}%: ${pctTick(p[s.key])} vs union`)}</title></circle>`)
      })
    }
    const ly = top + 10 + i * 20
    out.push(`<line x1="${left + pw + 16}" x2="${left + pw + 40}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${s.dash !== "" ? ` stroke-dasharray="${s.dash}"` : ""}/>`)
    out.push(`<text x="${left + pw + 46}" y="${ly + 4}" font-size="11" fill="#374151">${esc(s.label)}</text>`)
  })
  const ly = top + 10 + SERIES.length * 20
  out.push(`<line x1="${left + pw + 16}" x2="${left + pw + 40}" y1="${ly}" y2="${ly}" stroke="#111827" stroke-dasharray="2 3"/>`)
  out.push(`<text x="${left + pw + 46}" y="${ly + 4}" font-size="11" fill="#374151">union (all train) = 0</text>`)
  out.push(`</svg>`)
  return out.join("\n")
}
