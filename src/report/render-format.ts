/**
 * Text helpers shared by the renderers: escaping and one number format per kind of number,
 * so the same value reads the same in report.md, report.html and the SVGs.
 * No Intl/locale calls: output bytes must not depend on the machine.
 */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }

/** Escape for HTML/SVG text and attribute values. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)

/** Escape for a Markdown table cell or inline text: pipes, backslashes, markup and newlines. */
export const mdEsc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/[<>]/g, (c) => (c === "<" ? "&lt;" : "&gt;"))
    .replace(/([*_`[\]])/g, "\\$1").replace(/\r?\n/g, " ")

const fixed = (x: number, digits: number): string => {
  const s = x.toFixed(digits)
  // "-0.000" says nothing a reader needs to know
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s
}

/** MQ, DQ, SQ and metric values: 3 decimals. */
export const f3 = (x: number): string => fixed(x, 3)

/** Counts with thousands separators: 12,578. */
export const int = (n: number): string => {
  const s = String(Math.round(Math.abs(n)))
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return n < 0 ? `-${grouped}` : grouped
}

/** A fraction as a percentage with `digits` decimals: 0.137 -> "13.7%". */
export const pct = (x: number, digits = 1): string => `${fixed(x * 100, digits)}%`

/** A signed difference: +0.003 / −0.012 (true minus sign, so columns line up). */
export const signed3 = (x: number): string => {
  const s = f3(Math.abs(x))
  if (s === f3(0)) return `±${s}`
  return x > 0 ? `+${s}` : `\u2212${s}`
}

/** A signed relative difference: +1.7% / −9.0%. */
export const signedPct = (x: number, digits = 1): string => {
  const s = pct(Math.abs(x), digits)
  if (s === pct(0, digits)) return `±${s}`
  return x > 0 ? `+${s}` : `\u2212${s}`
}

/** Short form of a hex digest for tables (full value stays in report.json and in a title attribute). */
export const shortHash = (h: string, n = 12): string => (h.length > n ? h.slice(0, n) : h)

/** Human name of a tune or eval set. */
export const setLabel = (id: string): string => {
  switch (id) {
    case "union":
      return "union (all train)"
    case "revo-lion":
      return "REVO-LION"
    case "random":
      return "random (same size)"
    case "revo-lion-eval":
      return "REVO-LION eval"
    default:
      return id
  }
}
