/**
 * Licence text → restrictiveness, and the card's licence metadata. The rule that matters: text the
 * patterns do not recognise is *unknown*, the most restrictive tier (all rights reserved until
 * someone checks), never "permissive" — a mixed dataset is bound by its most restrictive source.
 */

/** Hub license ids (hf.co/docs/hub/repositories-licenses) the card may name directly. */
export const HUB_LICENSE_IDS: ReadonlySet<string> = new Set([
  "apache-2.0", "mit", "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "isc", "unlicense", "cc0-1.0", "pddl",
  "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0",
  "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0",
  "cc-by-nc-sa-4.0", "odc-by", "odbl", "gpl-2.0", "gpl-3.0", "lgpl-3.0", "agpl-3.0", "openrail", "c-uda", "cdla-permissive-2.0", "other"
])

/** `CC BY 4.0` -> `cc-by-4.0` when that is a Hub license id. */
export const hubLicenseId = (license: string): string | undefined => {
  const id = license.trim().toLowerCase().replace(/[\s_]+/g, "-")
  return id !== "other" && HUB_LICENSE_IDS.has(id) ? id : undefined
}

export const TIERS = [
  "public domain",
  "permissive (attribution)",
  "share-alike / copyleft",
  "no derivatives",
  "non-commercial or research-only use",
  "unknown or unrecognised terms: treat as all rights reserved until checked"
] as const
export const UNKNOWN_TIER = TIERS.length - 1
/** Tiers at or above this one restrict commercial use; the card's call-out lists every such source. */
export const RESTRICTIVE_TIER = 4

const tierOfPart = (part: string): number => {
  const l = part.toLowerCase()
  if (/unstated|not stated|unknown|unclear|verify|^\s*other\s*$/.test(l)) return UNKNOWN_TIER
  if (/\bnc\b|-nc-|-nc$|non-?commercial|research|openai|terms of use/.test(l)) return 4
  if (/\bnd\b|-nd-|-nd$|no-?deriv/.test(l)) return 3
  if (/\bsa\b|-sa-|-sa$|share-?alike|\bgpl|odbl|copyleft/.test(l)) return 2
  if (/cc0|public domain|pddl|unlicense/.test(l)) return 0
  if (/cc[\s-]?by|\bmit\b|apache|\bbsd\b|bsd-|\bisc\b|odc-by|cdla-permissive/.test(l)) return 1
  return UNKNOWN_TIER
}

/**
 * How restrictive a licence text is, 0 (public domain) to 5 (unknown). A text naming several
 * terms (`A; B`) is as restrictive as its most restrictive part; unrecognised text is unknown.
 */
export const licenseTier = (license: string | undefined): number => {
  const parts = (license ?? "").split(";").filter((p) => p.trim() !== "")
  return parts.length === 0 ? UNKNOWN_TIER : Math.max(...parts.map(tierOfPart))
}

const ID_PATTERNS: ReadonlyArray<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/cc[\s-]?by((?:[\s-](?:nc|nd|sa))*)[\s-]+(\d\.\d)/g, (m) => `cc-by${(m[1] ?? "").toLowerCase().replace(/\s+/g, "-")}-${m[2]}`],
  [/cc0(?:[\s-]1\.0)?/g, () => "cc0-1.0"],
  [/\bmit\b/g, () => "mit"],
  [/apache[\s-](?:license[\s-])?2\.0/g, () => "apache-2.0"],
  [/odc-by/g, () => "odc-by"],
  [/\bodbl\b/g, () => "odbl"]
]

/** Hub ids named in a licence text, outside parentheses (those hold comments such as "code MIT"). */
export const hubIdsIn = (license: string): Array<string> => {
  const text = license.toLowerCase().replace(/\([^)]*\)/g, " ")
  const out = new Set<string>()
  for (const [re, id] of ID_PATTERNS) for (const m of text.matchAll(re)) {
    const x = id(m)
    if (HUB_LICENSE_IDS.has(x)) out.add(x)
  }
  return [...out]
}

export interface LicenseSummary {
  /** the YAML's license keys */
  readonly front: Record<string, string | Array<string>>
  /** dataset -> tier */
  readonly tiers: Readonly<Record<string, number>>
  readonly top: number
  /** every source at or above RESTRICTIVE_TIER, most restrictive first */
  readonly restrictive: ReadonlyArray<string>
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export const summarizeLicenses = (datasets: ReadonlyArray<string>, licenses: Readonly<Record<string, string>>): LicenseSummary => {
  const tiers = Object.fromEntries(datasets.map((d) => [d, licenseTier(licenses[d])]))
  const top = Math.max(...Object.values(tiers), 0)
  const restrictive = datasets.filter((d) => tiers[d]! >= RESTRICTIVE_TIER).sort((a, b) => tiers[b]! - tiers[a]! || byCodeUnit(a, b))
  const exact = datasets.map((d) => hubLicenseId(licenses[d] ?? ""))
  const first = exact[0]
  if (first !== undefined && exact.every((id) => id === first)) return { front: { license: first }, tiers, top, restrictive }
  // A list of every Hub id the sources name, plus `other` (explained in the card) for the terms no id covers.
  const ids = new Set<string>()
  for (const d of datasets) hubIdsIn(licenses[d] ?? "").forEach((id) => ids.add(id))
  const list = [...[...ids].sort(byCodeUnit), "other"]
  return {
    front: { license: list, license_name: "revo-lion-mixed-sources", license_link: "README.md" },
    tiers, top, restrictive
  }
}
