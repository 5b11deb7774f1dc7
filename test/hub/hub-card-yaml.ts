/**
 * The dataset card's YAML front matter checked against what the Hub documents: the keys of
 * hub-docs' datasetcard.md (the metadata spec the Hub validates), licence ids from
 * hf.co/docs/hub/repositories-licenses, task categories from @huggingface/tasks (the list the
 * spec's `task_categories` comment points to), the size buckets, and the shapes of `configs` and
 * `dataset_info`. Written apart from src/hub so it checks the card, not the card's own constants.
 */
import { PIPELINE_TYPES_SET } from "@huggingface/tasks"

/** Keys of hub-docs/datasetcard.md, the Hub's documented dataset-card metadata. */
export const DOCUMENTED_KEYS: ReadonlySet<string> = new Set([
  "language", "license", "license_name", "license_link", "license_details", "tags", "annotations_creators", "language_creators",
  "language_details", "pretty_name", "size_categories", "source_datasets", "task_categories", "task_ids", "paperswithcode_id",
  "configs", "dataset_info", "extra_gated_fields", "extra_gated_prompt", "train-eval-index"
])

/** Licence ids listed at hf.co/docs/hub/repositories-licenses. */
export const HUB_LICENSES: ReadonlySet<string> = new Set([
  "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m", "bigscience-bloom-rail-1.0", "bigcode-openrail-m",
  "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0",
  "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0",
  "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cdla-sharing-1.0",
  "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0", "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2",
  "agpl-3.0", "gfdl", "gpl", "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "lppl-1.3c", "ms-pl", "mpl-2.0", "odc-by",
  "odbl", "osl-3.0", "postgresql", "ofl-1.1", "ncsa", "unlicense", "zlib", "pddl", "lgpl-lr", "unknown", "other"
])

export const SIZE_CATEGORIES: ReadonlySet<string> = new Set([
  "n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B", "1B<n<10B", "10B<n<100B", "100B<n<1T", "n>1T"
])

const DTYPES = new Set(["string", "large_string", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"])
/** `datasets`' split name rule. */
const SPLIT_NAME = /^\w+(\.\w+)*$/

const isStrings = (v: unknown): v is Array<string> => Array.isArray(v) && v.every((x) => typeof x === "string" && x.length > 0)

const checkFeature = (f: any, at: string, errors: Array<string>): void => {
  if (typeof f?.name !== "string") errors.push(`${at}: feature without a name`)
  const kinds = ["dtype", "list", "sequence", "struct"].filter((k) => f?.[k] !== undefined)
  if (kinds.length !== 1) return void errors.push(`${at}.${f?.name}: needs exactly one of dtype/list/sequence/struct`)
  const inner = f[kinds[0]!]
  if (kinds[0] === "dtype") {
    if (!DTYPES.has(inner)) errors.push(`${at}.${f.name}: unknown dtype ${inner}`)
  } else if (typeof inner === "string") {
    if (!DTYPES.has(inner)) errors.push(`${at}.${f.name}: unknown element dtype ${inner}`)
  } else if (Array.isArray(inner)) {
    inner.forEach((g: any) => checkFeature(g, `${at}.${f.name}`, errors))
  } else errors.push(`${at}.${f.name}: malformed ${kinds[0]}`)
}

/** Every problem the Hub's documented rules would find in the front matter; empty when valid. */
export const checkCardYaml = (fm: Record<string, any>): Array<string> => {
  const errors: Array<string> = []
  for (const k of Object.keys(fm)) if (!DOCUMENTED_KEYS.has(k)) errors.push(`undocumented key ${k}`)
  if (fm.pretty_name !== undefined && typeof fm.pretty_name !== "string") errors.push("pretty_name must be a string")
  const licenses = typeof fm.license === "string" ? [fm.license] : fm.license
  if (!isStrings(licenses) || licenses.length === 0) errors.push("license must be a licence id or a list of them")
  else {
    for (const l of licenses) if (!HUB_LICENSES.has(l)) errors.push(`license ${l} is not a Hub licence id`)
    if (new Set(licenses).size !== licenses.length) errors.push("license lists an id twice")
    if (licenses.includes("other")) {
      if (typeof fm.license_name !== "string" || !/^[a-z0-9][a-z0-9.-]*$/.test(fm.license_name)) errors.push("license: other needs a license_name id")
      if (typeof fm.license_link !== "string" || fm.license_link === "") errors.push("license: other needs a license_link")
    }
  }
  if (!isStrings(fm.language) || !fm.language.every((l: string) => /^[a-z]{2,3}$/.test(l))) errors.push("language must be ISO 639 codes")
  if (!isStrings(fm.task_categories)) errors.push("task_categories must be a list")
  else for (const t of fm.task_categories) if (!PIPELINE_TYPES_SET.has(t as never)) errors.push(`task category ${t} is not one of the Hub's`)
  if (!isStrings(fm.size_categories) || !fm.size_categories.every((s: string) => SIZE_CATEGORIES.has(s))) errors.push("size_categories must be the Hub's buckets")
  for (const k of ["tags", "source_datasets"]) if (fm[k] !== undefined && !isStrings(fm[k])) errors.push(`${k} must be a list of strings`)
  const configNames = new Set<string>()
  if (!Array.isArray(fm.configs)) errors.push("configs must be a list")
  else {
    if (fm.configs.filter((c: any) => c.default === true).length > 1) errors.push("more than one default config")
    for (const c of fm.configs) {
      if (typeof c.config_name !== "string") errors.push("a config without config_name")
      if (configNames.has(c.config_name)) errors.push(`config ${c.config_name} twice`)
      configNames.add(c.config_name)
      if (!Array.isArray(c.data_files) || c.data_files.length === 0) errors.push(`config ${c.config_name}: no data_files`)
      else for (const d of c.data_files) {
        if (typeof d.split !== "string" || !SPLIT_NAME.test(d.split)) errors.push(`config ${c.config_name}: bad split name ${d.split}`)
        if (!(typeof d.path === "string" || isStrings(d.path))) errors.push(`config ${c.config_name}: bad path`)
      }
    }
  }
  if (fm.dataset_info !== undefined) {
    for (const info of Array.isArray(fm.dataset_info) ? fm.dataset_info : [fm.dataset_info]) {
      const at = `dataset_info[${info.config_name}]`
      if (!configNames.has(info.config_name)) errors.push(`${at}: no such config`)
      if (!Array.isArray(info.features)) errors.push(`${at}: features must be a list`)
      else info.features.forEach((f: any) => checkFeature(f, at, errors))
      for (const s of info.splits ?? []) if (!SPLIT_NAME.test(s.name) || !Number.isInteger(s.num_examples)) errors.push(`${at}: bad split ${JSON.stringify(s)}`)
      if (!Number.isInteger(info.download_size)) errors.push(`${at}: download_size must be an integer`)
    }
  }
  return errors
}

/** The README's front matter text and parsed value. */
export const frontMatterText = (readme: string): string => {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(readme)
  if (!m) throw new Error("README does not start with YAML front matter")
  return m[1]!
}
