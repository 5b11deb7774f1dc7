/**
 * The dataset card (README.md) of a published REVO-LION repo: YAML front matter the Hub reads
 * (license, task categories, configs, dataset_info) and a body a stranger can trust: how samples
 * were chosen, the DQ and proof tables, per-source counts and licenses, and the provenance.
 * Pure and deterministic: same input, same bytes.
 */
import { stringify } from "yaml"
import type { Report } from "../report/types.ts"
import { SAMPLE_FEATURES, SQ_FEATURES } from "./parquet.ts"

/** The parts of report.json (issue 8) the card reads. */
export type CardReport =
  & Pick<Report, "experiment" | "spec_sha256" | "datasets" | "mq_metrics" | "cross" | "dq" | "sq" | "revolion" | "comparison" | "provenance">
  & Partial<Pick<Report, "settings">>

export interface CardInput {
  readonly report: CardReport
  /** dataset id -> its license: a Hub license id (cc-by-4.0) or the source's own words */
  readonly licenses: Readonly<Record<string, string>>
  /** the revo.lock file, verbatim */
  readonly lock: string
  /** ORG/NAME, for the loading snippet */
  readonly repo?: string
  readonly prettyName?: string
  /** Hub ids of the source datasets, when they live on the Hub */
  readonly sourceDatasets?: ReadonlyArray<string>
  readonly taskCategories?: ReadonlyArray<string>
}

export interface SplitFiles {
  readonly files: ReadonlyArray<string>
  readonly rows: number
  readonly bytes: number
}

/** What the repo tree holds, for `configs` and `dataset_info`. */
export interface CardLayout {
  readonly train: SplitFiles
  readonly eval: SplitFiles
  /** per source dataset, its own shards */
  readonly sources: Readonly<Record<string, { readonly train: SplitFiles; readonly eval: SplitFiles }>>
  readonly sq: SplitFiles
}

// ---------------------------------------------------------------------------------------------
// Licenses

/** Hub license ids (hf.co/docs/hub/repositories-licenses) the card may name directly. */
const HUB_LICENSE_IDS = new Set([
  "apache-2.0", "mit", "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "isc", "unlicense", "cc0-1.0", "pddl",
  "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0",
  "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0",
  "cc-by-nc-sa-4.0", "odc-by", "odbl", "gpl-2.0", "gpl-3.0", "lgpl-3.0", "agpl-3.0", "openrail", "c-uda", "cdla-permissive-2.0"
])

/** `CC BY 4.0` -> `cc-by-4.0` when that is a Hub license id. */
export const hubLicenseId = (license: string): string | undefined => {
  const id = license.trim().toLowerCase().replace(/[\s_]+/g, "-")
  return HUB_LICENSE_IDS.has(id) ? id : undefined
}

const TIERS = [
  "public domain",
  "permissive (attribution)",
  "share-alike / copyleft",
  "no derivatives",
  "non-commercial or research-only use",
  "terms not stated: treat as all rights reserved until checked"
] as const

/** How restrictive a license is, 0 (public domain) to 5 (unknown). */
export const licenseTier = (license: string | undefined): number => {
  const l = (license ?? "").toLowerCase()
  if (l.trim() === "" || /not stated|unknown|verify|unclear|^other$/.test(l)) return 5
  if (/\bnc\b|-nc-|non-?commercial|research|openai|terms of use/.test(l)) return 4
  if (/\bnd\b|-nd-|no-?deriv/.test(l)) return 3
  if (/\bsa\b|-sa-|share-?alike|gpl|odbl|copyleft/.test(l)) return 2
  if (/cc0|public domain|pddl|unlicense/.test(l)) return 0
  return 1
}

interface LicenseSummary {
  readonly front: Record<string, string>
  readonly mostRestrictive: { readonly tier: number; readonly datasets: ReadonlyArray<string> }
}

const summarizeLicenses = (datasets: ReadonlyArray<string>, licenses: Readonly<Record<string, string>>): LicenseSummary => {
  const ids = datasets.map((d) => hubLicenseId(licenses[d] ?? ""))
  const first = ids[0]
  const same = first !== undefined && ids.every((id) => id === first)
  const tiers = datasets.map((d) => licenseTier(licenses[d]))
  const top = Math.max(...tiers, 0)
  return {
    // One Hub id only when every source has that very license; otherwise `other`, explained in the body.
    front: same ? { license: first } : { license: "other", license_name: "revo-lion-mixed-sources", license_link: "README.md" },
    mostRestrictive: { tier: top, datasets: datasets.filter((_, i) => tiers[i] === top) }
  }
}

// ---------------------------------------------------------------------------------------------
// Front matter

const sizeCategory = (n: number): string => {
  const bounds: ReadonlyArray<[number, string]> = [
    [1e3, "n<1K"], [1e4, "1K<n<10K"], [1e5, "10K<n<100K"], [1e6, "100K<n<1M"], [1e7, "1M<n<10M"], [1e8, "10M<n<100M"], [1e9, "100M<n<1B"]
  ]
  return bounds.find(([b]) => n < b)?.[1] ?? "n>1B"
}

/** Source config names must not collide with `default` or `sq`. */
export const sourceConfigName = (dataset: string): string => (dataset === "default" || dataset === "sq" ? `source-${dataset}` : dataset)

const dataFiles = (splits: ReadonlyArray<[string, SplitFiles]>) =>
  splits.filter(([, s]) => s.files.length > 0).map(([split, s]) => ({ split, path: [...s.files] }))

const infoEntry = (config: string, features: unknown, splits: ReadonlyArray<[string, SplitFiles]>) => {
  const present = splits.filter(([, s]) => s.files.length > 0)
  return {
    config_name: config,
    features,
    splits: present.map(([name, s]) => ({ name, num_examples: s.rows })),
    download_size: present.reduce((n, [, s]) => n + s.bytes, 0)
  }
}

export const cardFrontMatter = (input: CardInput, layout: CardLayout): Record<string, unknown> => {
  const { report } = input
  const sources = report.datasets.filter((d) => layout.sources[d] !== undefined)
  const licenses = summarizeLicenses(report.datasets, input.licenses)
  const split = (s: { train: SplitFiles; eval: SplitFiles }): Array<[string, SplitFiles]> => [["train", s.train], ["eval", s.eval]]
  return {
    pretty_name: input.prettyName ?? `REVO-LION (${report.experiment})`,
    ...licenses.front,
    language: ["en"],
    task_categories: [...(input.taskCategories ?? ["visual-question-answering", "image-to-text"])],
    tags: ["revo", "revo-lion", "vision-language", "instruction-tuning", "data-selection"],
    size_categories: [sizeCategory(layout.train.rows + layout.eval.rows)],
    ...(input.sourceDatasets !== undefined && input.sourceDatasets.length > 0 ? { source_datasets: [...input.sourceDatasets] } : {}),
    configs: [
      { config_name: "default", default: true, data_files: dataFiles(split(layout)) },
      ...sources.map((d) => ({ config_name: sourceConfigName(d), data_files: dataFiles(split(layout.sources[d]!)) })),
      { config_name: "sq", data_files: dataFiles([["train", layout.sq]]) }
    ],
    dataset_info: [
      infoEntry("default", SAMPLE_FEATURES, split(layout)),
      ...sources.map((d) => infoEntry(sourceConfigName(d), SAMPLE_FEATURES, split(layout.sources[d]!))),
      infoEntry("sq", SQ_FEATURES, [["train", layout.sq]])
    ]
  }
}

// ---------------------------------------------------------------------------------------------
// Body

const num = (x: number | undefined, digits = 4): string => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits))
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")
const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [`| ${head.map(cell).join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n")
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
/** A fence longer than any backtick run inside, so the lock cannot close it early. */
const fence = (text: string): string => "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)))

export const cardBody = (input: CardInput, layout: CardLayout): string => {
  const { report } = input
  const r = report.revolion
  const metrics = report.mq_metrics.join(", ")
  const dqOpts = report.settings?.dq
  const sqOpts = report.settings?.sq
  const title = input.prettyName ?? `REVO-LION (${report.experiment})`
  const configs = report.datasets.filter((d) => layout.sources[d] !== undefined).map(sourceConfigName)
  const out: Array<string> = []

  out.push(`# ${title}`, "")
  out.push(
    `A refined vision-language instruction-tuning set built by revo from ${report.datasets.length} source datasets: ` +
      `the ${Math.round(r.budget * 100)}% best train samples of each source by sample quality (SQ), ${r.train_size} train and ${r.eval_size} eval samples. ` +
      `Experiment \`${report.experiment}\`, spec sha256 \`${report.spec_sha256}\`.`,
    ""
  )

  out.push("## Usage", "", "```python", "from datasets import load_dataset", "")
  const repo = input.repo ?? "ORG/NAME"
  out.push(`ds = load_dataset("${repo}")            # train + eval, all sources`)
  if (configs[0] !== undefined) out.push(`one = load_dataset("${repo}", "${configs[0]}")  # one source: ${configs.join(", ")}`)
  out.push(`sq = load_dataset("${repo}", "sq")      # SQ of every train sample, per model`, "```", "")
  out.push(
    "Columns: `id`, `dataset` (source), `image` (the image file name or id as the source gives it; images are not included), " +
      "`context` (text standing in for the image, when the source has it), `turns` (list of `{instruction, references}`), `sq`.",
    ""
  )

  out.push("## How the samples were chosen", "")
  out.push(
    "Tune-cross-evaluation: one model is tuned on the train split of each source dataset, and every model answers the eval items of every dataset. " +
      `MQ is the mean of ${metrics}, each computed corpus-level.`,
    "",
    `- **DQ** of a dataset T: mean over the other datasets E of MQ(T→E) / MQ(E→E)` +
      (dqOpts ? ` (normalize: ${dqOpts.normalize}, include_self: ${dqOpts.include_self}).` : "."),
    `- **SQ** of a train sample x of dataset D: mean over the models T ≠ D of MQ_T(x) / MQ(T→D); models tuned on other datasets never saw x, so there is no leakage` +
      (sqOpts ? ` (normalize: ${sqOpts.normalize}, crossfit: ${sqOpts.crossfit}).` : "."),
    `- **REVO-LION train**: the top ${Math.round(r.budget * 100)}% of each dataset's train split by SQ, so no dataset crowds out another. ` +
      "**REVO-LION eval**: eval-split items chosen by SQ, with no image shared with any train split.",
    ""
  )

  out.push("## Sources", "")
  out.push(table(
    ["dataset", "license", "train (REVO-LION)", "eval (REVO-LION)", "train split", "eval split"],
    report.datasets.map((d) => {
      const p = r.per_dataset[d]
      return [d, input.licenses[d] ?? "not stated", String(p?.train ?? 0), String(p?.eval ?? 0), p?.train_split === undefined ? "–" : String(p.train_split), p?.eval_split === undefined ? "–" : String(p.eval_split)]
    })
  ), "")

  out.push("## Dataset quality (DQ)", "")
  const dq = Object.entries(report.dq).sort(([a, x], [b, y]) => y - x || byCodeUnit(a, b))
  out.push(table(["dataset", "DQ"], dq.map(([d, v]) => [d, num(v)])), "")

  out.push("## Sample quality (SQ) per source", "")
  out.push(table(["dataset", "n", "mean", "p10", "p50", "p90"], report.datasets.filter((d) => report.sq[d] !== undefined).map((d) => {
    const s = report.sq[d]!
    return [d, String(s.n), num(s.mean), num(s.p10), num(s.p50), num(s.p90)]
  })), "")

  out.push("## Proof: REVO-LION against all the data and against chance", "")
  const evals = [...report.datasets, "revo-lion-eval"]
  const { union, random } = report.comparison
  const sizes: Record<string, number> = { "revo-lion": union.subject_train_size, union: union.control_train_size, random: random.control_train_size }
  out.push(`MQ of models tuned on each set (rows) on each eval set (columns); metrics: ${metrics}.`, "")
  out.push(table(
    ["tune set", "train size", ...evals],
    ["revo-lion", "union", "random"].map((t) => [t, String(sizes[t] ?? "–"), ...evals.map((e) => num(report.cross[t]?.[e]?.mq))])
  ), "")
  for (const c of [union, random]) {
    out.push(`- REVO-LION vs ${c.control}: mean MQ ${num(c.subject_mean)} vs ${num(c.control_mean)} (diff ${num(c.diff)}, ${plural(c.wins, "win")} / ${plural(c.losses, "loss", "losses")} over ${plural(c.eval_sets.length, "eval set")}). ${c.verdict}`)
  }
  out.push("")

  out.push("## Licenses", "")
  const lic = summarizeLicenses(report.datasets, input.licenses)
  if (lic.front.license !== "other") {
    out.push(`Every source is under ${lic.front.license}.`, "")
  } else {
    out.push(
      "The sources are under different terms, so this card says `license: other`: each sample keeps the license of its source dataset " +
        "(the `dataset` column), and using the whole set means following all of them.",
      ""
    )
  }
  for (const d of report.datasets) out.push(`- \`${d}\`: ${input.licenses[d] ?? "not stated"}`)
  out.push("")
  const most = lic.mostRestrictive
  out.push(
    `**Most restrictive terms**: ${TIERS[most.tier]} — ${most.datasets.map((d) => `\`${d}\` (${input.licenses[d] ?? "not stated"})`).join(", ")}. ` +
      (most.tier >= 4 ? "These bind the combined dataset: do not use it commercially unless you drop those sources." : "These bind the combined dataset."),
    ""
  )

  out.push("## Provenance", "")
  const p = report.provenance
  out.push(`- spec sha256: \`${p.spec_sha256}\``)
  out.push(`- backend plugin: ${p.plugin.name} ${p.plugin.version} (code sha256 \`${p.plugin.code_sha256}\`)`)
  for (const [tool, v] of Object.entries(p.tools).sort(([a], [b]) => byCodeUnit(a, b))) out.push(`- ${tool}: ${v}`)
  out.push("", table(["dataset", "content key"], Object.entries(p.dataset_keys).sort(([a], [b]) => byCodeUnit(a, b)).map(([d, k]) => [d, `\`${k}\``])), "")
  out.push("`revo.lock`:", "")
  const lock = input.lock.endsWith("\n") ? input.lock : `${input.lock}\n`
  const f = fence(lock)
  out.push(`${f}\n${lock}${f}`, "")
  return out.join("\n")
}

/** README.md: front matter and body. */
export const renderCard = (input: CardInput, layout: CardLayout): string =>
  `---\n${stringify(cardFrontMatter(input, layout), { lineWidth: 0, aliasDuplicateObjects: false })}---\n\n${cardBody(input, layout)}`
