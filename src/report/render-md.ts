/**
 * report.md: the report as GitHub-flavoured Markdown. Pure: the same report gives the same bytes.
 * Order: summary (verdicts) -> proof -> MQ matrix -> DQ -> SQ -> REVO-LION composition -> bad rows -> provenance.
 */
import type { Report } from "./types.ts"
import { BAD_ROWS_FILE, BAD_ROWS_IN_REPORT, evalSets, tuneSets } from "./types.ts"
import { f3, int, mdEsc, pct, setLabel, signed3, signedPct } from "./render-format.ts"
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
  itemsPerEval,
  metricName,
  orderedKeys,
  proofRows,
  sizeText,
  sqFormula,
  summaryParagraph,
  totalBadRows
} from "./render-summary.ts"
import { backendLines, type Block, interval, degenerateBlocks, dqExtraBlocks, proofBlocks, sqNoteBlocks } from "./render-proof.ts"

/** Bad rows listed per dataset in the Markdown; the rest stay in report.json. */

const table = (head: ReadonlyArray<string>, align: ReadonlyArray<"l" | "r">, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const sep = align.map((a) => (a === "r" ? "---:" : ":---"))
  return [head, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n")
}

const opt = (x: number | undefined, f: (x: number) => string): string => (x === undefined ? "\u2013" : f(x))

/** A 20-character block bar for a value in [0, max]. */
const textBar = (v: number, max: number): string => {
  const n = max > 0 ? Math.round((Math.max(0, v) / max) * 20) : 0
  return "\u2588".repeat(n) || "\u258f"
}

const matrixTable = (r: Report, value: (t: string, e: string) => string): string => {
  const cols = evalSets(r)
  return table(
    ["tuned on \u2193 / eval on \u2192", ...cols.map((c) => mdEsc(setLabel(c)))],
    ["l", ...cols.map(() => "r" as const)],
    tuneSets(r).map((t) => [t === "revo-lion" ? `**${mdEsc(setLabel(t))}**` : mdEsc(setLabel(t)), ...cols.map((e) => value(t, e))])
  )
}

const blocksMd = (blocks: ReadonlyArray<Block>): Array<string> =>
  blocks.map((b) =>
    b.kind === "h3" ? `### ${mdEsc(b.text)}`
    : b.kind === "p" ? mdEsc(b.text)
    : table(b.head.map(mdEsc), b.numeric.map((n) => (n ? "r" : "l")), b.rows.map((row) => row.map(mdEsc))))

export const renderMarkdown = (r: Report): string => {
  const out: Array<string> = []
  const p = (s: string): void => {
    out.push(s, "")
  }
  const blocks = (bs: ReadonlyArray<Block>): void => {
    for (const b of blocksMd(bs)) p(b)
  }

  p(`# ${mdEsc(r.experiment)}: REVO-LION study`)
  p(backendLines(r).map((l) => `**${mdEsc(l)}**`).join("\n"))
  p(`Spec \`${r.spec_sha256}\` \u00b7 ${r.datasets.length} datasets \u00b7 ${mqSummary(r)}`)
  p(`## Summary`)
  p(mdEsc(summaryParagraph(r)))

  // proof
  p(`## Proof: REVO-LION against all data and against chance`)
  const u = r.comparison.union
  const x = r.comparison.random
  const line = (c: typeof u, which: "union" | "random", name: string): string =>
    `- **vs ${name}: ${badgeText(badge(r, which))}** (${c.control_mean === 0 ? signed3(c.diff) : signedPct(c.rel_diff)}` +
    `${c.rel_lo !== undefined && c.rel_hi !== undefined ? `, 95% CI ${interval({ rel_lo: c.rel_lo, rel_hi: c.rel_hi })}` : ""} on ${c.statistic !== undefined ? "macro mean sample MQ" : "mean MQ"}; ` +
    `${int(c.subject_train_size)} vs ${int(c.control_train_size)} train samples)`
  p(`${line(u, "union", "union")}\n${line(x, "random", "random")}`)
  if (r.proof !== undefined) blocks(proofBlocks(r))
  else {
    const rows = proofRows(r).map((row) => [
      mdEsc(row.label),
      opt(row.revolion, f3),
      opt(row.union, f3),
      opt(row.dUnion, signed3),
      opt(row.random, f3),
      opt(row.dRandom, signed3)
    ])
    rows.push([
      `**mean** (${u.eval_sets.length} / ${x.eval_sets.length} eval sets)`,
      `**${f3(u.subject_mean)}**`,
      `**${f3(u.control_mean)}**`,
      `**${signed3(u.diff)}**`,
      `**${f3(x.control_mean)}**`,
      `**${signed3(x.diff)}**`
    ])
    rows.push(["train samples", int(u.subject_train_size), int(u.control_train_size), "", int(x.control_train_size), ""])
    p(table(["eval set", "REVO-LION", "union", "\u0394 vs union", "random", "\u0394 vs random"], ["l", "r", "r", "r", "r", "r"], rows))
    p(
      `\u0394 = REVO-LION minus control, in MQ. Within ${pct(u.tolerance, 0)} (relative, on the mean) counts as a tie. ` +
        `REVO-LION's mean differs between the two comparisons only if some cells are missing.`
    )
  }

  // MQ matrix
  p(`## MQ matrix`)
  p(`Rows: the set a model was tuned on. Columns: the eval set it answered. In-domain cells (tuned and evaluated on the same dataset) in bold; \u2013 = no result.`)
  p(
    matrixTable(r, (t, e) => {
      const c = r.cross[t]?.[e]
      if (c === undefined) return "\u2013"
      const flag = r.degenerate?.[`${t}@${e}`] !== undefined || r.proof?.degenerate[`${t}@${e}`] !== undefined ? " \u26a0" : ""
      return t === e ? `**${f3(c.mq)}**${flag}` : `${f3(c.mq)}${flag}`
    })
  )
  blocks(degenerateBlocks(r))
  const metrics = cellMetrics(r)
  const details: Array<string> = [`<details><summary>Every metric on its own, and eval items per set</summary>`, ""]
  for (const m of metrics) {
    details.push(`### ${mdEsc(metricName(m))} (\`${m}\`)`, "")
    details.push(
      matrixTable(r, (t, e) => {
        const v = r.cross[t]?.[e]?.[m]
        return v === undefined ? "\u2013" : f3(v)
      }),
      ""
    )
  }
  const items = itemsPerEval(r)
  if (evalMetricsDiffer(r)) {
    details.push(`### Metrics per eval set`, "")
    details.push(table(["eval set", "metrics", "MQ averages"], ["l", "l", "l"], evalMetricsRows(r).map((row) => row.map(mdEsc))), "")
  }
  details.push(`### Eval items per eval set`, "")
  details.push(
    table(["eval set", "items"], ["l", "r"], evalSets(r).map((e) => [mdEsc(setLabel(e)), opt(items[e], int)])),
    "",
    `</details>`
  )
  p(details.join("\n"))

  // DQ
  p(`## Dataset quality (DQ)`)
  const dqOpts = r.settings?.dq
  p(
    `DQ(T) = mean over eval sets E \u2260 T of MQ(T\u2192E) / MQ(E\u2192E): how well a model tuned on T does elsewhere, ` +
      `relative to each eval set's in-domain model` +
      (dqOpts !== undefined ? ` (normalize: ${dqOpts.normalize}, include_self: ${String(dqOpts.include_self)}).` : ".")
  )
  const ranked = dqRanked(r)
  const maxDq = Math.max(0, ...ranked.map((d) => d.dq))
  p(
    table(
      ["rank", "dataset", "DQ", ""],
      ["r", "l", "r", "l"],
      ranked.map((d, i) => [String(i + 1), mdEsc(d.dataset), f3(d.dq), textBar(d.dq, maxDq)])
    )
  )
  blocks(dqExtraBlocks(r))

  // SQ
  p(`## Sample quality (SQ)`)
  const sqOpts = r.settings?.sq
  p(
    `${sqFormula(sqOpts?.normalize)}: how well models that never saw x answer it` +
      (sqOpts !== undefined ? ` (normalize: ${sqOpts.normalize}, crossfit: ${sqOpts.crossfit}).` : ".")
  )
  p(
    table(
      ["dataset", "n", "mean", "p10", "p50", "p90"],
      ["l", "r", "r", "r", "r", "r"],
      r.datasets.map((d) => {
        const s = r.sq[d]
        return s === undefined
          ? [mdEsc(d), "\u2013", "\u2013", "\u2013", "\u2013", "\u2013"]
          : [mdEsc(d), int(s.n), f3(s.mean), f3(s.p10), f3(s.p50), f3(s.p90)]
      })
    )
  )

  blocks(sqNoteBlocks(r))

  // composition
  p(`## REVO-LION composition`)
  p(
    `Budget ${pct(r.revolion.budget, 0)} of each train split by SQ: ${int(r.revolion.train_size)} train samples, ` +
      `${int(r.revolion.eval_size)} eval samples (no image shared with any train split).`
  )
  const comp = compositionRows(r)
  p(
    table(
      ["dataset", "train (selected of split)", "eval (selected of split)"],
      ["l", "r", "r"],
      [
        ...comp.map((c) => [mdEsc(c.dataset), sizeText(c.train, c.trainSplit), sizeText(c.eval, c.evalSplit)]),
        ["**total**", `**${int(r.revolion.train_size)}**`, `**${int(r.revolion.eval_size)}**`]
      ]
    )
  )

  // bad rows
  p(`## Bad rows`)
  const bad = totalBadRows(r)
  if (bad === 0) {
    p(`No bad rows: every source row became a sample.`)
  } else {
    const capped = r.datasets.some((d) => (r.bad_rows[d]?.count ?? 0) > BAD_ROWS_IN_REPORT)
    p(`${int(bad)} source rows could not be read and were left out; each is listed with its file, line and reason in ${BAD_ROWS_FILE}` +
      (capped ? ` (below, the first ${BAD_ROWS_IN_REPORT} of each dataset).` : ` and below.`))
    const ids = r.datasets.filter((d) => (r.bad_rows[d]?.count ?? 0) > 0)
    p(table(["dataset", "bad rows"], ["l", "r"], ids.map((d) => [mdEsc(d), int(r.bad_rows[d]?.count ?? 0)])))
    const lines: Array<string> = [`<details><summary>Bad rows listed</summary>`, ""]
    for (const d of ids) {
      const b = r.bad_rows[d]!
      lines.push(`**${mdEsc(d)}**`, "")
      for (const row of b.rows.slice(0, BAD_ROWS_IN_REPORT)) lines.push(`- \`${badRowWhere(row).replace(/`/g, "'")}\` ${mdEsc(row.reason)}`)
      const more = b.count - Math.min(b.rows.length, BAD_ROWS_IN_REPORT)
      if (more > 0) lines.push(`- \u2026 and ${int(more)} more in ${BAD_ROWS_FILE}`)
      lines.push("")
    }
    lines.push(`</details>`)
    p(lines.join("\n"))
  }

  // provenance
  p(`## Provenance`)
  const pv = r.provenance
  p(
    [
      `- spec sha256: \`${pv.spec_sha256}\``,
      `- plugin: ${mdEsc(pv.plugin.name)} ${mdEsc(pv.plugin.version)} (code sha256 \`${pv.plugin.code_sha256}\`)`,
      ...Object.keys(pv.tools).sort().map((k) => `- ${mdEsc(k)}: ${mdEsc(pv.tools[k] ?? "")}`)
    ].join("\n")
  )
  p(
    table(
      ["dataset", "key"],
      ["l", "l"],
      orderedKeys(pv.dataset_keys, r.datasets).map((d) => [mdEsc(d), `\`${pv.dataset_keys[d] ?? ""}\``])
    )
  )
  return `${out.join("\n").trimEnd()}\n`
}
