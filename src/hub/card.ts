/**
 * The dataset card (README.md) of a published REVO-LION repo: YAML front matter the Hub reads
 * (licenses, task categories, configs, dataset_info) and a body a stranger can trust: what it is,
 * a contamination warning naming every benchmark split it draws on, how samples were chosen (in
 * the words docs/spec.md uses), the limitations this very run shows, licences with every
 * restrictive source called out, citations, images, and how to reproduce it.
 * Pure and deterministic: same input, same bytes.
 */
import { stringify } from "yaml"
import type { Report } from "../report/types.ts"
import { RESTRICTIVE_TIER, summarizeLicenses, TIERS } from "./licenses.ts"
import { methodLines } from "./method.ts"
import { SAMPLE_FEATURES, SQ_FEATURES } from "./parquet.ts"
import { benchmarkOf, citationsOf, type DatasetFacts, imageSourceOf, REVO_LION_ARXIV, REVO_LION_BIBTEX, WORKS } from "./sources.ts"

export { hubLicenseId, licenseTier } from "./licenses.ts"

/** The parts of report.json the card reads. */
export type CardReport =
  & Pick<Report, "experiment" | "spec_sha256" | "datasets" | "mq_metrics" | "cross" | "dq" | "sq" | "revolion" | "comparison" | "provenance">
  & Partial<Pick<Report, "settings" | "backend" | "sq_notes">>

/** One comparison of report.json; `outcome`, `rel_lo`/`rel_hi` and `statistic` are there when the proof computed them. */
type ComparisonFacts = Report["comparison"]["union"]

/** The backend that produced the selection, as its manifest describes it. */
export interface BackendFacts {
  readonly name: string
  readonly version: string
  readonly description?: string | undefined
  /** what the model is given: e.g. ["text", "context"] (no pixels) or ["image", "text"] */
  readonly inputs?: ReadonlyArray<string> | undefined
  /** a stand-in backend for trying revo out, not a vision-language model */
  readonly demo?: boolean | undefined
}

/** How to rebuild this dataset. */
export interface ReproduceFacts {
  /** the spec file's bytes, verbatim (published as revo/spec.yaml) */
  readonly specText: string
  readonly revoVersion: string
  /** the revo source commit, when revo runs from a git checkout */
  readonly commit?: string | undefined
  /** the checkout had uncommitted changes */
  readonly dirty?: boolean | undefined
  /** `--set k=v` overrides the run used */
  readonly overrides?: ReadonlyArray<string> | undefined
}

export interface CardInput {
  readonly report: CardReport
  /** dataset id -> its license: a Hub license id (cc-by-4.0) or the source's own words */
  readonly licenses: Readonly<Record<string, string>>
  /** dataset id -> what the spec says about it (description, path, citation, benchmark, image_ids) */
  readonly datasets?: Readonly<Record<string, DatasetFacts>>
  /** the revo.lock file, verbatim */
  readonly lock: string
  /** ORG/NAME, for the loading snippet */
  readonly repo?: string
  readonly prettyName?: string
  /** Hub ids (or names) of the source datasets; default: the well-known works the sources build on */
  readonly sourceDatasets?: ReadonlyArray<string>
  readonly taskCategories?: ReadonlyArray<string>
  readonly backend?: BackendFacts
  readonly reproduce?: ReproduceFacts
}

export interface SplitFiles {
  readonly files: ReadonlyArray<string>
  readonly rows: number
  readonly bytes: number
}

/** Facts about the rows themselves, per source dataset (computed from the Parquet rows). */
export interface SourceRowFacts {
  /** REVO-LION rows (train + eval) */
  readonly rows: number
  readonly withImageId: number
  readonly distinctImages: number
  /** up to 2 `image` values as the source gives them, and their `image_id` */
  readonly examples: ReadonlyArray<{ readonly image: string | null; readonly image_id: string | null }>
  /** distinct COCO-style split names (train2014, val2017, ...) seen in `image` values */
  readonly imageValues: ReadonlyArray<string>
  /** train samples scored (the sq config), how many have an SQ below NEAR_ZERO, and how many no other-dataset model scored above it */
  readonly scored: number
  readonly sqNearZero: number
  readonly nearZero: number
}

/** What the repo tree holds, for `configs` and `dataset_info`. */
export interface CardLayout {
  readonly train: SplitFiles
  readonly eval: SplitFiles
  /** per source dataset, its own shards */
  readonly sources: Readonly<Record<string, { readonly train: SplitFiles; readonly eval: SplitFiles }>>
  readonly sq: SplitFiles
  readonly rowFacts?: Readonly<Record<string, SourceRowFacts>>
}

/** A sample-level MQ below this, for every other-dataset model, is "near zero": no signal to rank on. */
export const NEAR_ZERO = 0.01
export const SPEC_PATH = "revo/spec.yaml"

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

const factsOf = (input: CardInput, d: string): DatasetFacts => input.datasets?.[d] ?? { id: d }

/** The works each source builds on, by name, in first-seen order. */
const defaultSourceDatasets = (input: CardInput): Array<string> => {
  const names = new Set<string>()
  for (const d of input.report.datasets) for (const k of citationsOf(factsOf(input, d)).keys) names.add(WORKS[k].name)
  return [...names]
}

export const cardFrontMatter = (input: CardInput, layout: CardLayout): Record<string, unknown> => {
  const { report } = input
  const sources = report.datasets.filter((d) => layout.sources[d] !== undefined)
  const licenses = summarizeLicenses(report.datasets, input.licenses)
  const split = (s: { train: SplitFiles; eval: SplitFiles }): Array<[string, SplitFiles]> => [["train", s.train], ["eval", s.eval]]
  const sourceDatasets = input.sourceDatasets ?? defaultSourceDatasets(input)
  return {
    pretty_name: input.prettyName ?? `REVO-LION (${report.experiment})`,
    ...licenses.front,
    language: ["en"],
    task_categories: [...(input.taskCategories ?? ["visual-question-answering", "image-to-text"])],
    tags: ["revo", "revo-lion", "vision-language", "instruction-tuning", "data-selection"],
    size_categories: [sizeCategory(layout.train.rows + layout.eval.rows)],
    ...(sourceDatasets.length > 0 ? { source_datasets: [...sourceDatasets] } : {}),
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

/** The verdict an interval supports, as a sentence: "REVO-LION **falls short** of the union". */
const outcomeText = (outcome: string, control: string): string =>
  outcome === "falls short" ? `REVO-LION **falls short** of ${control}`
    : outcome === "inconclusive" ? `REVO-LION against ${control}: **inconclusive**`
    : `REVO-LION **${outcome}** ${control}`
const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)
const signedPct = (x: number): string => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}%`
const num = (x: number | undefined, digits = 4): string => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits))
const share = (k: number, n: number): string => (n === 0 ? "–" : `${((100 * k) / n).toFixed(1)}%`)
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")
const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [`| ${head.map(cell).join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n")
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
/** A fence longer than any backtick run inside, so the content cannot close it early. */
const fence = (text: string): string => "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)))
const fenced = (text: string, lang = ""): string => {
  const t = text.endsWith("\n") ? text : `${text}\n`
  const f = fence(t)
  return `${f}${lang}\n${t}${f}`
}
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``

/** The backend's declared inputs; the built-in retrieval sees text only even before its manifest said so. */
const inputsOf = (b: BackendFacts): ReadonlyArray<string> | undefined => b.inputs ?? (b.name === "retrieval" ? ["text"] : undefined)

/** What a backend sees, in words, from its manifest's `inputs`. */
const seesText = (b: BackendFacts): string => {
  const inputs = inputsOf(b)
  if (inputs === undefined) return "Its plugin does not declare what it sees (`inputs` in revo-plugin.json)"
  const text = "the instruction, the earlier turns and `context` (text standing in for the image: captions, where the source has them)"
  return inputs.includes("image") ? `Of each sample it sees the image pixels and ${text}` : `Of each sample it sees text only — ${text} — and never the image pixels`
}

/** Models left out of SQ, and samples no model could score, per source's train split (report.json `sq_notes`). */
const sqNoteLines = (report: CardReport): Array<string> => {
  const notes = report.sq_notes
  if (notes === undefined) return []
  const parts = report.datasets.flatMap((d) => {
    const n = notes[d]?.train
    if (n === undefined) return []
    const what = [
      ...n.excluded.map((e) => `${e.model} left out (${e.reason})`),
      ...(n.degenerate.length > 0 ? [`${n.degenerate.join(", ")} left out as degenerate`] : []),
      ...(n.same_image > 0 ? [`${n.same_image} same-image scores skipped`] : []),
      ...(n.unscored > 0 ? [`${n.unscored} samples no model could score, given the neutral SQ`] : [])
    ]
    return what.length === 0 ? [] : [`\`${d}\`: ${what.join("; ")}`]
  })
  return parts.length === 0 ? [] : [`- **Models left out of SQ** (train splits): ${parts.join(". ")}.`]
}

export const cardBody = (input: CardInput, layout: CardLayout): string => {
  const { report } = input
  const r = report.revolion
  const title = input.prettyName ?? `REVO-LION (${report.experiment})`
  const configs = report.datasets.filter((d) => layout.sources[d] !== undefined).map(sourceConfigName)
  const budget = `${Math.round(r.budget * 100)}%`
  const facts = (d: string) => factsOf(input, d)
  const out: Array<string> = []

  out.push(`# ${title}`, "")
  out.push(
    `A vision-language instruction-tuning set selected by [revo](#reproducing-this-dataset) from ${plural(report.datasets.length, "source dataset")} ` +
      `with the REVO-LION method ([arXiv ${REVO_LION_ARXIV}](https://arxiv.org/abs/${REVO_LION_ARXIV})): the top ${budget} of each source's train split ` +
      `by sample quality (SQ), ${r.train_size} train and ${r.eval_size} eval samples. Experiment \`${report.experiment}\`, spec sha256 \`${report.spec_sha256}\`.`,
    ""
  )

  // Contamination first: it changes what the data may be used for.
  const benchmarks = report.datasets.flatMap((d) => {
    const b = benchmarkOf(facts(d))
    return b === undefined ? [] : [{ d, ...b }]
  })
  out.push("## Warning: benchmark contamination", "")
  if (benchmarks.length > 0) {
    out.push(
      `${plural(benchmarks.length, "source is", "sources are")} the evaluation split of a published benchmark, and the train split here is drawn from ${benchmarks.length === 1 ? "it" : "them"}. ` +
        "A model trained on this dataset has seen those benchmark items (questions, answers and images): do not report its results on these benchmarks as held-out.",
      "",
      table(["source", "benchmark split", "REVO-LION train samples", "REVO-LION eval samples"], benchmarks.map(({ d, name, inferred }) => [
        d, `${name}${inferred ? "" : " (as the spec declares)"}`, String(r.per_dataset[d]?.train ?? 0), String(r.per_dataset[d]?.eval ?? 0)
      ])),
      "",
      "revo's image rule keeps every image of REVO-LION's *own* eval split out of its train split; it does not protect any other benchmark. " +
        "Images are shared across sources (most sources here are built on COCO), so benchmarks on the same image pool are also affected at the image level.",
      ""
    )
  } else {
    out.push("No source is declared or recognised as a benchmark evaluation split (`datasets.<id>.benchmark` in the spec). Check the sources before evaluating on benchmarks built from the same data.", "")
  }

  out.push("## Usage", "", "```python", "from datasets import load_dataset", "")
  const repo = input.repo ?? "ORG/NAME"
  out.push(`ds = load_dataset("${repo}")            # train + eval, all sources`)
  if (configs[0] !== undefined) out.push(`one = load_dataset("${repo}", "${configs[0]}")  # one source: ${configs.join(", ")}`)
  out.push(`sq = load_dataset("${repo}", "sq")      # SQ of every train-split sample, per model`, "```", "")
  out.push(
    "Columns: `id` (as the source gives it: unique within its source only), `dataset` (the source), `sample_key` (`dataset/id`, unique across the set), " +
      "`image` (the image file name, path or id as the source gives it; images are not included, see [Images](#images)), " +
      "`image_id` (revo's normalised image id, the one its leakage rule compares), `context` (text standing in for the image, when the source has it), " +
      "`turns` (list of `{instruction, references}`), `sq`.",
    "",
    "The splits are `train` and `eval`. The second is named `eval` on purpose: it is REVO-LION's own evaluation set, chosen by SQ, not the held-out test split of any source. " +
      "(The Hub's file-name conventions would read files named `eval` as a test split; this repo lists its files in `configs`, so the name stays as chosen.)",
    ""
  )

  out.push("## How the samples were chosen", "")
  out.push(
    "Tune-cross-evaluation: one model is tuned on the train split of each source dataset, and every model answers the eval items of every dataset. " +
      "Definitions (the same text as revo's docs/spec.md):",
    "",
    ...methodLines({
      metrics: report.mq_metrics, dq: report.settings?.dq, sq: report.settings?.sq, budget: r.budget,
      evalChosen: r.eval_size, evalSplit: Object.values(r.per_dataset).reduce((n, p) => n + (p.eval_split ?? 0), 0)
    }),
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

  out.push("## Limitations", "")
  // The backend the run recorded wins over the manifest read at publish time (it may have changed since).
  const b = report.backend ?? input.backend
  if (b !== undefined) {
    const inputs = inputsOf(b)
    const blind = inputs !== undefined && !inputs.includes("image")
    out.push(
      `- **Backend.** The models behind every SQ here are \`${b.name} ${b.version}\`${b.demo === true ? ", a demo backend" : ""}` +
        `${b.description ? `: ${b.description.replace(/\.$/, "")}` : ""}. ${seesText(b)}.` +
        (b.demo === true || blind
          ? " SQ therefore measures how well what such models see answers a sample, not what a vision-language model finds useful: treat the ranking as a demonstration of the method, not as the paper's selection."
          : "")
    )
  } else {
    out.push(`- **Backend.** ${report.provenance.plugin.name} ${report.provenance.plugin.version}; what it sees is not recorded.`)
  }
  const { union, random } = report.comparison
  const versus = (label: string, c: ComparisonFacts): string => {
    const interval = c.rel_lo !== undefined && c.rel_hi !== undefined
      ? `; relative difference ${signedPct(c.rel_diff)}, 95% interval ${signedPct(c.rel_lo)} to ${signedPct(c.rel_hi)}`
      : ""
    return `- **${label}** (${c.control_train_size} samples, REVO-LION ${c.subject_train_size}): ` +
      (c.outcome !== undefined ? `${outcomeText(c.outcome, c.control === "union" ? "the union" : "the random subset")}. ` : "") +
      `${c.verdict.trim()} ` +
      `${capitalize(c.statistic ?? "mean MQ")}: ${num(c.subject_mean)} vs ${num(c.control_mean)} (difference ${num(c.diff)}${interval}; ` +
      `${plural(c.wins, "win")} / ${plural(c.losses, "loss", "losses")} over ${plural(c.eval_sets.length, "eval set")}).`
  }
  out.push(versus("Against the union of all train splits", union), versus("Against a random subset of the same size", random))
  const rowFacts = layout.rowFacts ?? {}
  const scoredSources = report.datasets.filter((d) => (rowFacts[d]?.scored ?? 0) > 0)
  if (scoredSources.length > 0) {
    out.push(
      `- **Near-zero SQ.** Share of each source's train split with an SQ below ${NEAR_ZERO}, and with every other-dataset model's raw sample-level MQ below ${NEAR_ZERO}: ` +
        "for the latter SQ has no signal to rank on, and the order among those samples is decided by ties.",
      "",
      table(["source", "train samples scored", `SQ below ${NEAR_ZERO}`, `no model above ${NEAR_ZERO} (or none left to score)`, "tied at the cut-off (kept)"], scoredSources.map((d) => {
        const f = rowFacts[d]!
        const t = r.ties?.[d]
        return [d, String(f.scored), share(f.sqNearZero, f.scored), share(f.nearZero, f.scored), t === undefined || t.tied <= 1 ? "–" : `${t.tied} at SQ ${num(t.cutoff_sq)} (${t.kept})`]
      })),
      ""
    )
  }
  out.push(
    ...sqNoteLines(report),
    `- **Metrics.** MQ is the mean of ${report.mq_metrics.join(", ")} on every eval set` +
      (report.mq_metrics.every((m) => /^(bleu\d|meteor|rouge_l|cider)$/.test(m))
        ? ", short VQA answers and yes/no questions included, where n-gram overlap is a coarse signal."
        : "."),
    "- **Images are not included**: `image` keeps each source's own form (see [Images](#images)).",
    ""
  )

  out.push("## Dataset quality (DQ)", "")
  const dq = Object.entries(report.dq).sort(([a, x], [b2, y]) => y - x || byCodeUnit(a, b2))
  out.push(table(["dataset", "DQ"], dq.map(([d, v]) => [d, num(v)])), "")

  out.push("## Sample quality (SQ) per source", "")
  out.push(table(["dataset", "n", "mean", "p10", "p50", "p90"], report.datasets.filter((d) => report.sq[d] !== undefined).map((d) => {
    const s = report.sq[d]!
    return [d, String(s.n), num(s.mean), num(s.p10), num(s.p50), num(s.p90)]
  })), "")

  out.push("## Comparison with controls", "")
  const evals = [...report.datasets, "revo-lion-eval"]
  const sizes: Record<string, number> = { "revo-lion": union.subject_train_size, union: union.control_train_size, random: random.control_train_size }
  out.push(`MQ of models tuned on each set (rows) on each eval set (columns); metrics: ${report.mq_metrics.join(", ")}. ` +
    "The `revo-lion-eval` column is chosen by the same SQ as REVO-LION itself, so it cannot judge it.", "")
  out.push(table(
    ["tune set", "train size", ...evals],
    ["revo-lion", "union", "random"].map((t) => [t, String(sizes[t] ?? "–"), ...evals.map((e) => num(report.cross[t]?.[e]?.mq))])
  ), "")

  out.push("## Images", "")
  out.push("Images are not part of this repo. Where each source's images come from, and the forms `image` takes:", "")
  out.push(table(
    ["source", "images", "`image` (as given)", "`image_id`", "distinct images", "rows without `image_id`"],
    report.datasets.filter((d) => rowFacts[d] !== undefined).map((d) => {
      const f = rowFacts[d]!
      const ex = f.examples[0]
      return [d, imageSourceOf(facts(d), f.imageValues), ex?.image == null ? "–" : code(ex.image), ex?.image_id == null ? "–" : code(ex.image_id), String(f.distinctImages), String(f.rows - f.withImageId)]
    })
  ), "")

  out.push("## Licenses", "")
  const lic = summarizeLicenses(report.datasets, input.licenses)
  if (typeof lic.front.license === "string" && lic.front.license !== "other") {
    out.push(`Every source is under ${lic.front.license}.`, "")
  } else {
    out.push(
      "The sources are under different terms, so the metadata lists every licence the sources name plus `other`: each sample keeps the terms of its source " +
        "(the `dataset` column), and using the whole set means following all of them. Text revo does not recognise counts as unknown terms, the most restrictive tier.",
      ""
    )
  }
  out.push(table(["source", "terms", "tier"], report.datasets.map((d) => [d, input.licenses[d] ?? "not stated", TIERS[lic.tiers[d]!]!])), "")
  if (lic.restrictive.length > 0) {
    out.push(`**Restrictive terms bind the combined dataset.** Every source whose terms are ${TIERS[RESTRICTIVE_TIER]} or stricter:`, "")
    for (let tier = TIERS.length - 1; tier >= RESTRICTIVE_TIER; tier--) {
      const ds = lic.restrictive.filter((d) => lic.tiers[d] === tier)
      if (ds.length > 0) out.push(`- ${TIERS[tier]}: ${ds.map((d) => `\`${d}\``).join(", ")}`)
    }
    out.push("", "Do not use the set commercially — or at all, where the terms are unknown — unless you drop those sources or clear their terms.", "")
  } else {
    out.push(`**Most restrictive terms**: ${TIERS[lic.top]}.`, "")
  }

  out.push("## Citation", "")
  out.push("If you use this dataset, cite the method and every source it draws on.", "", "The method:", "", fenced(REVO_LION_BIBTEX, "bibtex"), "")
  const perSource = report.datasets.map((d) => ({ d, ...citationsOf(facts(d)) }))
  out.push(table(["source", "cite"], perSource.map(({ d, keys, bibtex, inferred }) => [
    d,
    ([...keys.map((k) => WORKS[k].name), ...bibtex.map((x) => /^\s*@\w+\s*\{\s*([^,\s]+)/.exec(x)?.[1] ?? "custom entry")].join(", ") ||
      "nothing known: set `datasets.<id>.citation` in the spec") + (inferred ? "" : " (as the spec declares)")
  ])), "")
  const keys = [...new Set(perSource.flatMap((s) => s.keys))]
  const custom = [...new Set(perSource.flatMap((s) => s.bibtex.map((x) => x.trim())))]
  if (keys.length + custom.length > 0) out.push("The sources:", "", fenced([...keys.map((k) => WORKS[k].bibtex), ...custom].join("\n\n"), "bibtex"), "")

  out.push("## Reproducing this dataset", "")
  const p = report.provenance
  const rep = input.reproduce
  if (rep !== undefined) {
    const sets = (rep.overrides ?? []).map((s) => ` --set ${JSON.stringify(s)}`).join("")
    out.push(
      `The spec that produced it is in this repo, verbatim, as \`${SPEC_PATH}\` (decoded spec sha256 \`${p.spec_sha256}\`). ` +
        `It was run with revo ${rep.revoVersion}` +
        (rep.commit === undefined ? " (source commit unknown: not run from a git checkout)" : ` at source commit \`${rep.commit}\`${rep.dirty === true ? " with uncommitted changes" : ""}`) + ".",
      "",
      fenced([
        `# in a checkout of revo${rep.commit === undefined ? "" : ` at ${rep.commit}`}, with the source files under DATA (paths as in the spec)`,
        "npm ci",
        `hf download ${repo} ${SPEC_PATH} --repo-type dataset --local-dir .   # or fetch revo/spec.yaml from this page`,
        `npx revo run ${SPEC_PATH} --data-root DATA${sets}`,
        `npx revo publish ${SPEC_PATH} --data-root DATA${sets}${input.backend?.demo === true ? " --allow-demo" : ""} --dry-run OUT   # the same files as this repo`
      ].join("\n"), "sh"),
      "",
      "The datasets' content keys below (hashes of their source bytes) tell whether your copies are the ones used.",
      ""
    )
  }
  out.push(`- backend plugin: ${p.plugin.name} ${p.plugin.version} (code sha256 \`${p.plugin.code_sha256}\`)`)
  for (const [tool, v] of Object.entries(p.tools).sort(([a], [b2]) => byCodeUnit(a, b2))) out.push(`- ${tool}: ${v}`)
  out.push("", table(["dataset", "content key"], Object.entries(p.dataset_keys).sort(([a], [b2]) => byCodeUnit(a, b2)).map(([d, k]) => [d, `\`${k}\``])), "")
  out.push("`revo.lock`:", "", fenced(input.lock), "")
  return out.join("\n")
}

/** README.md: front matter and body. */
export const renderCard = (input: CardInput, layout: CardLayout): string =>
  `---\n${stringify(cardFrontMatter(input, layout), { lineWidth: 0, aliasDuplicateObjects: false })}---\n\n${cardBody(input, layout)}`
