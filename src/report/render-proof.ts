/**
 * What both pages say about the backend, the proof (intervals, seeds, the REVO-LION eval set
 * apart, ablation, budget curve), degenerate cells, the DQ variants and what SQ left out, as
 * plain blocks (heading, paragraph, table of plain text). report.md and report.html only differ
 * in how they mark the blocks up, so the two pages cannot disagree. Pure.
 */
import type { Estimate, Report } from "./types.ts"
import { f3, int, pct, setLabel, signedPct } from "./render-format.ts"

export type Block =
  | { readonly kind: "h3"; readonly text: string }
  | { readonly kind: "p"; readonly text: string }
  | { readonly kind: "table"; readonly head: ReadonlyArray<string>; readonly numeric: ReadonlyArray<boolean>; readonly rows: ReadonlyArray<ReadonlyArray<string>> }

const p = (text: string): Block => ({ kind: "p", text })
const h3 = (text: string): Block => ({ kind: "h3", text })
const table = (head: ReadonlyArray<string>, numeric: ReadonlyArray<boolean>, rows: ReadonlyArray<ReadonlyArray<string>>): Block => ({ kind: "table", head, numeric, rows })

const pct1 = (x: number): string => signedPct(x, 1)
export const interval = (e: Pick<Estimate, "rel_lo" | "rel_hi">): string => `[${pct1(e.rel_lo)}, ${pct1(e.rel_hi)}]`
const estText = (e: Estimate | null | undefined): string => (e === null || e === undefined ? "\u2013" : `${pct1(e.rel_diff)} ${interval(e)}`)

/** The report's first lines: which backend produced the numbers and what it sees. */
export const backendLines = (r: Report): ReadonlyArray<string> => {
  const b = r.backend
  if (b === undefined) return [`Numbers produced by ${r.settings?.backend ?? `${r.provenance.plugin.name} ${r.provenance.plugin.version}`}.`]
  const sees = b.inputs.includes("image")
    ? `it sees ${b.inputs.join(" + ")}`
    : `it sees ${b.inputs.join(" + ")} only, no image pixels (for the retrieval backend: BM25 over the instruction and the text context that stands in for the image)`
  const lines = [`Numbers produced by the ${b.name} ${b.version} backend: ${sees}.`]
  if (b.demo) {
    lines.push(`This backend is a demo: its REVO-LION shows the method end to end, it is not a finding about the data (publishing it needs --allow-demo).`)
  }
  return lines
}

const verdictCell = (e: Estimate | null | undefined): string => (e === null || e === undefined ? "\u2013" : e.verdict)

/** The proof: headline with intervals, per eval set, seeds, the REVO-LION eval set apart, ablation, budget curve. */
export const proofBlocks = (r: Report): ReadonlyArray<Block> => {
  const a = r.proof
  if (a === undefined) return []
  const out: Array<Block> = []
  const u = a.headline["union"]
  const x = a.headline["random"]
  out.push(p(
    `Headline: the datasets' own ${a.eval_sets.length} eval splits only (the REVO-LION eval set is chosen by SQ, the criterion under test, so it is reported apart). ` +
      `Statistic: ${a.statistic}; 95% intervals of the relative difference from ${int(a.bootstrap)} paired bootstrap resamples over eval items (seed ${a.seed}), ` +
      `stratified by eval set. Verdicts: matches = interval inside \u00b1${pct(a.margin, 0)}; beats / falls short = interval above / below 0; otherwise inconclusive.`
  ))
  out.push(table(
    ["comparison", "REVO-LION", "control", "\u0394 macro [95% CI]", "verdict (macro)", "\u0394 item-weighted [95% CI]", "verdict (weighted)"],
    [false, true, true, true, false, true, false],
    [
      ...(u !== undefined ? [["vs union", u.macro ? f3(u.macro.subject) : "\u2013", u.macro ? f3(u.macro.control) : "\u2013", estText(u.macro), verdictCell(u.macro), estText(u.weighted), verdictCell(u.weighted)]] : []),
      ...(x !== undefined ? [["vs random (seed mean)", x.macro ? f3(x.macro.subject) : "\u2013", x.macro ? f3(x.macro.control) : "\u2013", estText(x.macro), verdictCell(x.macro), estText(x.weighted), verdictCell(x.weighted)]] : []),
      ...(a.bottom !== null ? [["ablation: vs bottom half by SQ", a.bottom.macro ? f3(a.bottom.macro.subject) : "\u2013", a.bottom.macro ? f3(a.bottom.macro.control) : "\u2013", estText(a.bottom.macro), verdictCell(a.bottom.macro), estText(a.bottom.weighted), verdictCell(a.bottom.weighted)]] : [])
    ]
  ))
  const left = Object.keys(a.left_out).sort()
  if (left.length > 0) out.push(p(`Left out of the headline (${left.length}): ${left.map((e) => `${e} (${a.left_out[e]})`).join("; ")}.`))
  out.push(h3("Per eval set"))
  out.push(table(
    ["eval set", "items", "REVO-LION", "union", "\u0394 vs union [95% CI]", "random", "\u0394 vs random [95% CI]"],
    [false, true, true, true, true, true, true],
    a.eval_sets.map((e) => {
      const eu = u?.per_eval[e]
      const ex = x?.per_eval[e]
      const any = eu ?? ex
      return [e, any ? int(any.items) : "\u2013", any ? f3(any.subject) : "\u2013", eu ? f3(eu.control) : "\u2013", estText(eu), ex ? f3(ex.control) : "\u2013", estText(ex)]
    })
  ))
  if (a.seeds !== null) {
    const s = a.seeds
    out.push(h3("Random controls: seeds"))
    out.push(p(
      `${s.sets.length} random controls (seeds ${s.seeds.join(", ")}), each stratified to REVO-LION's per-dataset sizes. ` +
        `Headline (macro) across seeds: mean ${f3(s.macro.mean)}, sd ${f3(s.macro.sd)}, range ${f3(s.macro.min)}\u2013${f3(s.macro.max)}; ` +
        `REVO-LION's gap to a single seed ranges ${pct1(s.rel_macro.min)} to ${pct1(s.rel_macro.max)} (mean ${pct1(s.rel_macro.mean)}, sd ${pct(s.rel_macro.sd)}).`
    ))
    out.push(table(["tune set", "seed", "macro", "item-weighted"], [false, true, true, true],
      s.sets.map((t, i) => [t, String(s.seeds[i] ?? ""), f3(a.means[t]?.macro ?? 0), f3(a.means[t]?.weighted ?? 0)])))
  }
  const re = Object.keys(a.revolion_eval).sort()
  if (re.length > 0) {
    out.push(h3("REVO-LION eval set (selected by SQ: not evidence for REVO-LION)"))
    out.push(p(`The REVO-LION eval set is drawn from the eval splits by the same SQ criterion that chose REVO-LION's train set, so a win here is circular; it is shown for completeness only.`))
    out.push(table(["control", "items", "REVO-LION", "control", "\u0394 [95% CI]", "verdict"], [false, true, true, true, true, false],
      re.map((c) => {
        const e = a.revolion_eval[c]!
        return [setLabel(c), int(e.items), f3(e.subject), f3(e.control), estText(e), e.verdict]
      })))
  }
  if (a.budget_curve.length > 0) {
    out.push(h3("Budget curve"))
    out.push(p(`REVO-LION (top of each train split by SQ) and the stratified random control at each budget, against the union of all train data (macro mean sample MQ on the headline's eval splits). ` +
      `The random control is the mean over its seeds (their range beside it); Δ is the relative difference with its paired-bootstrap 95% interval.`))
    out.push(table(["budget", "REVO-LION", "Δ vs union [95% CI]", "random (seeds)", "Δ vs union [95% CI]", "REVO-LION Δ vs random [95% CI]", "union"], [true, true, true, true, true, true, true],
      a.budget_curve.map((b) => {
        const s = b.random_seeds
        const seeds = s.seeds.length > 1 ? ` (${s.seeds.length} seeds, ${f3(s.macro.min)}–${f3(s.macro.max)})` : ` (seed ${s.seeds[0] ?? a.seed})`
        return [pct(b.budget, 0), f3(b.revolion.macro), b.revolion_vs_union ? estText(b.revolion_vs_union.macro) : pct1(b.rel_revolion.macro),
          `${f3(b.random.macro)}${seeds}`, b.random_vs_union ? estText(b.random_vs_union.macro) : pct1(b.rel_random.macro),
          estText(b.revolion_vs_random.macro), f3(a.means["union"]?.macro ?? 0)]
      })))
  }
  return out
}

/** Degenerate cells (matrix and proof) and what was done with them. */
export const degenerateBlocks = (r: Report): ReadonlyArray<Block> => {
  const all = { ...(r.degenerate ?? {}), ...(r.proof?.degenerate ?? {}) }
  const keys = Object.keys(all).sort()
  if (keys.length === 0) return r.degenerate === undefined ? [] : [p(`No degenerate predictions: every model gave varied answers on every eval set.`)]
  const kept = r.settings?.keep_degenerate === true
  return [
    p(
      `${keys.length} cell${keys.length === 1 ? "" : "s"} with degenerate predictions (fewer than ${r.settings?.min_distinct ?? 5} distinct answers, or one answer on more than half of the items): ` +
        (kept ? "kept in DQ, SQ and the headline (keep_degenerate: true)." : "left out of DQ, SQ and the proof's headline; marked \u26a0 in the matrix.")
    ),
    table(["tuned on", "eval set", "items", "distinct", "top answer share", "top answer", "why"], [false, false, true, true, true, false, false],
      keys.map((k) => {
        const d = all[k]!
        const at = k.lastIndexOf("@")
        return [setLabel(k.slice(0, at)), setLabel(k.slice(at + 1)), int(d.items), int(d.distinct), pct(d.top_share), d.top_answer.length > 60 ? `${d.top_answer.slice(0, 57)}...` : d.top_answer, d.reason]
      }))
  ]
}

/** DQ variants and the columns where a dataset's own model is not the best. */
export const dqExtraBlocks = (r: Report): ReadonlyArray<Block> => {
  const out: Array<Block> = []
  const v = r.dq_variants
  if (v !== undefined) {
    const iv = r.dq_interval ?? {}
    const cell = (x: number | undefined) => (x !== undefined ? f3(x) : "\u2013")
    out.push(table(["dataset", "DQ normalised", "DQ raw (mean MQ)", "DQ with self", "DQ on sample MQ [95% CI]"], [false, true, true, true, true],
      r.datasets.map((d) => [d, cell(v.normalized[d]), cell(v.raw[d]), cell(v.with_self[d]),
        iv[d] !== undefined ? `${f3(iv[d].point)} [${f3(iv[d].lo)}, ${f3(iv[d].hi)}]` : "\u2013"])))
    if (r.dq_interval !== undefined) {
      out.push(p(`The interval is for DQ computed on mean sample-level MQ (corpus metrics cannot be resampled item by item), from paired bootstrap resamples of every eval set's items.`))
    }
  }
  const nb = r.dq_not_best ?? {}
  const cols = Object.keys(nb).sort()
  if (cols.length > 0) {
    out.push(p(`\u26a0 In ${cols.length} column${cols.length === 1 ? "" : "s"} the dataset's own model is not the best, so MQ(E\u2192E) is a weak normaliser there: ` +
      cols.map((e) => `${e} (best: ${nb[e]})`).join(", ") + "."))
  }
  return out
}

/** What SQ left out (no signal, degenerate models, same image) and the ties at each cut-off. */
export const sqNoteBlocks = (r: Report): ReadonlyArray<Block> => {
  const out: Array<Block> = []
  const notes = r.sq_notes
  if (notes !== undefined) {
    const rows: Array<Array<string>> = []
    for (const d of r.datasets) {
      for (const part of ["train", "eval"] as const) {
        const n = notes[d]?.[part]
        if (n === undefined) continue
        for (const e of n.excluded) rows.push([d, part, e.model, `no signal: ${e.reason}`])
        if (n.degenerate.length > 0) rows.push([d, part, n.degenerate.join(", "), "degenerate answers on this dataset"])
        if (n.same_image > 0) rows.push([d, part, "\u2013", `${int(n.same_image)} (sample, model) pairs skipped: the model's train split holds the image`])
        if (n.unscored > 0) rows.push([d, part, "\u2013", `${int(n.unscored)} samples no usable model scored (neutral SQ)`])
      }
    }
    out.push(rows.length > 0
      ? table(["dataset", "part", "models", "left out of SQ because"], [false, false, false, false], rows)
      : p(`Every other dataset's model scored every sample (no model left out of SQ).`))
  }
  const ties = r.revolion.ties
  if (ties !== undefined) {
    const ds = Object.keys(ties).sort().filter((d) => ties[d]!.tied > 0)
    out.push(ds.length > 0
      ? p(`Ties at the REVO-LION cut-off, broken by the seed (not by id): ` + ds.map((d) => `${d}: ${int(ties[d]!.tied)} samples share SQ ${f3(ties[d]!.cutoff_sq)}, ${int(ties[d]!.kept)} kept`).join("; ") + ".")
      : p(`No ties at any dataset's REVO-LION cut-off.`))
  }
  return out
}
