/**
 * Small shared pieces of the SVG builders: a viridis colour scale (perceptually uniform,
 * readable by colour-blind readers and in greyscale print), text-contrast choice, coordinate
 * formatting and a rough text-width estimate for layout (no font metrics are available).
 */

// viridis sampled at 9 evenly spaced points; linear interpolation between them is close enough
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [0x44, 0x01, 0x54],
  [0x47, 0x2d, 0x7b],
  [0x3b, 0x52, 0x8b],
  [0x2c, 0x72, 0x8e],
  [0x21, 0x91, 0x8c],
  [0x28, 0xae, 0x80],
  [0x5e, 0xc9, 0x62],
  [0xad, 0xdc, 0x30],
  [0xfd, 0xe7, 0x25]
]

const hex2 = (v: number): string => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, "0")

const rgbAt = (t: number): readonly [number, number, number] => {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1)
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x))
  const f = x - i
  const a = VIRIDIS[i]!
  const b = VIRIDIS[i + 1]!
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]
}

/** Colour for t in [0, 1] (clamped) as #rrggbb. */
export const viridis = (t: number): string => {
  const [r, g, b] = rgbAt(t)
  return `#${hex2(r)}${hex2(g)}${hex2(b)}`
}

/** Text colour that stays readable on the viridis colour at t. */
export const textOn = (t: number): string => {
  const lin = (c: number): number => {
    const s = c / 255
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }
  const [r, g, b] = rgbAt(t)
  const lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
  return lum > 0.28 ? "#111827" : "#ffffff"
}

/** Coordinates with at most 2 decimals, so output bytes do not carry float noise. */
export const c2 = (x: number): string => {
  const s = (Math.round(x * 100) / 100).toFixed(2).replace(/\.?0+$/, "")
  return s === "-0" ? "0" : s
}

/** Rough width in px of `s` in a sans-serif face at `size` px; only used to size margins. */
export const textWidth = (s: string, size: number): number => s.length * size * 0.58

/** The font stack used inside SVGs: system faces only, nothing fetched. */
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

/** Round "nice" tick step for a span, e.g. 0.37 -> 0.1. */
export const niceStep = (span: number, target: number): number => {
  if (!(span > 0)) return 1
  const raw = span / Math.max(1, target)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  const m = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10
  return m * mag
}

/** A tick label with as few decimals as the step needs: 0, 0.2, 0.25. */
export const tickText = (v: number, step: number): string => {
  const d = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)))
  const s = v.toFixed(d)
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s
}
