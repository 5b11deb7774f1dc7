/**
 * Issue 17 on the real thing: the quickstart is run end to end, `revo publish --dry-run` writes the
 * repo tree, and every promise of the dataset card is checked against the run's own outputs — the
 * contamination warning, licence tiers, citations, Limitations, the method text, reproducibility,
 * the new columns, .gitattributes, row groups — then the same tree is published to the loopback
 * Hub and must come back byte for byte.
 */
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { listFiles as localFiles } from "../../src/util/fs.ts"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { after, before, describe, it } from "node:test"
import { listFiles } from "@huggingface/hub"
import { parquetMetadata } from "hyparquet"
import { parse } from "yaml"
import { SQ_TEXT } from "../../src/hub/method.ts"
import { DEFAULT_ROW_GROUP_BYTES } from "../../src/hub/parquet.ts"
import { repoRoot, revo, revoAsync } from "../support/cli.ts"
import { startMockHub, type MockHub } from "../support/mock-hub.ts"
import { readWithArrow } from "./arrow-reader.ts"
import { checkCardYaml, frontMatterText } from "./hub-card-yaml.ts"

const TOKEN = "hf_quickstartCardSecret0123456789"
const SPEC = join(repoRoot, "experiments/quickstart.yaml")

// The published tree's files, relative and sorted: the product's own walker.
const filesUnder = (dir: string): Array<string> => localFiles(dir)

/** The text of a `## heading` section, up to the next one. */
const section = (readme: string, heading: string): string => {
  const start = readme.indexOf(`\n## ${heading}`)
  assert.ok(start >= 0, `no section ${heading}`)
  const end = readme.indexOf("\n## ", start + 4)
  return readme.slice(start, end < 0 ? undefined : end)
}

/** Rows of a markdown table in `text` whose first cell is `key`. */
const tableRow = (text: string, key: string): Array<string> | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`| ${key} |`))
  return line?.split(" | ").map((c) => c.replace(/^\| |\s*\|$/g, ""))
}

describe("the quickstart's dataset card", { timeout: 2_400_000 }, () => {
  let dir: string
  let dry: string
  let readme: string
  let fm: Record<string, any>
  let report: any
  let hub: MockHub
  let store: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "revo-qs-card-"))
    // REVO_QUICKSTART_STORE=DIR runs (or resumes) the quickstart in a store that outlives the test
    store = process.env.REVO_QUICKSTART_STORE ?? join(dir, "store", ".revo")
    const t0 = Date.now()
    // The quickstart takes ~2 min alone and far longer on a busy machine: allow it 30.
    const run = revo(["run", SPEC, "--store", store, "-j", "2"], { timeout: 1_800_000 })
    assert.equal(run.code, 0, run.stderr.slice(-4000))
    process.stderr.write(`# quickstart run: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`)
    dry = join(dir, "dry")
    const pub = revo(["publish", SPEC, "--store", store, "--repo", "revo-test/revo-lion", "--dry-run", dry, "--allow-demo"])
    assert.equal(pub.code, 0, pub.stderr)
    readme = readFileSync(join(dry, "README.md"), "utf8")
    fm = parse(frontMatterText(readme)) as Record<string, any>
    report = JSON.parse(readFileSync(join(dirname(store), "quickstart", "report.json"), "utf8"))
    hub = await startMockHub({ tokens: [TOKEN] })
  })
  after(async () => {
    await hub?.close()
    // REVO_KEEP_CARD=DIR keeps the dry-run tree for a look (the README's excerpt is taken from it)
    if (process.env.REVO_KEEP_CARD) cpSync(dry, process.env.REVO_KEEP_CARD, { recursive: true })
    rmSync(dir, { recursive: true, force: true })
  })

  it("has front matter that validates against the Hub's documented keys, with a licence list", () => {
    assert.deepEqual(checkCardYaml(fm), [])
    assert.doesNotMatch(frontMatterText(readme), /[&*][A-Za-z]\w*\s/, "no YAML anchors or aliases")
    assert.deepEqual(fm.license, ["cc-by-4.0", "cc-by-nc-4.0", "mit", "other"])
    assert.equal(fm.pretty_name, "REVO-LION (quickstart)")
    assert.deepEqual(fm.task_categories, ["visual-question-answering", "image-to-text"])
    for (const name of ["LLaVA", "A-OKVQA", "OK-VQA", "VQA-X", "POPE", "COCO", "GQA"]) assert.ok(fm.source_datasets.includes(name), name)
  })

  it("warns of contamination, naming every benchmark split the train split draws on", () => {
    const warning = section(readme, "Warning: benchmark contamination")
    assert.ok(readme.indexOf("## Warning: benchmark contamination") < readme.indexOf("## Usage"), "the warning comes before usage")
    const expected: Record<string, string> = {
      "aokvqa-val": "A-OKVQA val",
      "coco-captions-val2017": "COCO val2017",
      "gqa-testdev-balanced": "GQA testdev-balanced",
      "llava-bench-coco": "LLaVA-Bench (COCO)",
      "okvqa-val": "OK-VQA test (the val2014 questions)",
      "pope-coco": "POPE",
      "vqa-x": "VQA-X test"
    }
    for (const [d, name] of Object.entries(expected)) {
      const row = tableRow(warning, d)
      assert.ok(row, `${d} is not in the warning`)
      assert.equal(row[1], name)
      assert.equal(Number(row[2]), report.revolion.per_dataset[d].train, `${d}: train count from the run`)
    }
    for (const d of ["coco-mini", "llava-instruct-100", "llava-instruct-sampled-500", "llava-pretrain-lcs-2k"]) assert.equal(tableRow(warning, d), undefined, `${d} is not a benchmark split`)
    assert.match(warning, /do not report its results on these benchmarks as held-out/)
  })

  it("ranks unknown licence text most restrictive and calls out every source at or above non-commercial", () => {
    const lic = section(readme, "Licenses")
    const unknown = ["aokvqa-val", "llava-pretrain-lcs-2k", "vqa-x"]
    const nc = ["llava-bench-coco", "llava-instruct-100", "llava-instruct-sampled-500"]
    for (const d of unknown) assert.match(tableRow(lic, d)![2]!, /^unknown or unrecognised terms/, d)
    for (const d of nc) assert.equal(tableRow(lic, d)![2], "non-commercial or research-only use", d)
    for (const d of ["coco-captions-val2017", "coco-mini", "gqa-testdev-balanced", "okvqa-val", "pope-coco"]) assert.equal(tableRow(lic, d)![2], "permissive (attribution)", d)
    const callout = lic.slice(lic.indexOf("**Restrictive terms bind"))
    assert.match(callout, new RegExp(`- unknown or unrecognised terms[^\\n]*: ${unknown.map((d) => `\`${d}\``).join(", ")}\\n`))
    assert.match(callout, new RegExp(`- non-commercial or research-only use: ${nc.map((d) => `\`${d}\``).join(", ")}\\n`))
    for (const d of ["okvqa-val", "pope-coco", "gqa-testdev-balanced"]) assert.ok(!callout.split("\n\nDo not")[0]!.includes(`\`${d}\``), `${d} is not restrictive`)
  })

  it("cites REVO-LION (arXiv 2310.06594) and every source with well-formed BibTeX", () => {
    assert.ok(readme.includes("https://arxiv.org/abs/2310.06594"), "the arXiv link the Hub turns into a paper tag")
    const cite = section(readme, "Citation")
    const entries = [...cite.matchAll(/```bibtex\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split(/\n(?=@)/)).map((e) => e.trim())
    const keys = entries.map((e) => /^@\w+\{([^,]+),/.exec(e)?.[1])
    assert.ok(keys.every((k) => k !== undefined), "every entry has a key")
    assert.equal(new Set(keys).size, keys.length, "keys are unique")
    for (const e of entries) {
      let depth = 0
      for (const ch of e) depth += ch === "{" ? 1 : ch === "}" ? -1 : 0
      assert.equal(depth, 0, `unbalanced braces in ${e.slice(0, 40)}`)
      assert.match(e, /title\s*=/)
      assert.match(e, /year\s*=\s*\{\d{4}\}/)
    }
    const all = entries.join("\n")
    assert.match(all, /arXiv:2310\.06594/)
    for (const title of ["Visual Instruction Tuning", "Improved Baselines with Visual Instruction Tuning", "A-OKVQA", "OK-VQA", "Multimodal Explanations",
      "Evaluating Object Hallucination", "Common Objects in Context", "{GQA}", "{LAION-400M}", "Conceptual Captions", "Im2Text", "{BLIP}"]) {
      assert.ok(all.includes(title), `no BibTeX for ${title}`)
    }
    for (const d of report.datasets as Array<string>) assert.ok(tableRow(cite, d)?.[1], `${d} has nothing to cite`)
  })

  it("has a Limitations section written from the run: backend and what it sees, the verdicts, near-zero SQ per source", () => {
    const lim = section(readme, "Limitations")
    const manifest = JSON.parse(readFileSync(join(repoRoot, "plugins/retrieval/revo-plugin.json"), "utf8"))
    assert.ok(lim.includes(`\`${report.provenance.plugin.name} ${report.provenance.plugin.version}\``) || lim.includes(`\`retrieval ${manifest.version}\``), "names the backend")
    assert.match(lim, /sees text only/)
    assert.match(lim, /never the image pixels/)
    assert.ok(lim.includes(report.comparison.union.verdict), "the union verdict, as report.json says it")
    assert.ok(lim.includes(report.comparison.random.verdict), "the random verdict")
    // the near-zero shares, recomputed from the published sq shards by the independent reader
    const sqRows = filesUnder(dry).filter((f) => f.startsWith("sq/")).flatMap((f) => readWithArrow(readFileSync(join(dry, f))).rows)
    assert.ok(sqRows.length > 10_000)
    for (const d of report.datasets as Array<string>) {
      const mine = sqRows.filter((r) => r.dataset === d)
      const zero = mine.filter((r) => (r.per_model as Array<{ value: number }>).every((p) => p.value < 0.01)).length
      const sqZero = mine.filter((r) => Math.abs(r.sq as number) < 0.01).length
      const row = tableRow(lim, d)
      assert.ok(row, `${d} has no near-zero row`)
      assert.equal(Number(row[1]), mine.length, d)
      assert.equal(row[2], `${((100 * sqZero) / mine.length).toFixed(1)}%`, d)
      assert.equal(row[3], `${((100 * zero) / mine.length).toFixed(1)}%`, d)
    }
    // headings stay neutral and the method is not oversold
    const headings = readme.split("\n").filter((l) => l.startsWith("#"))
    for (const h of headings) assert.doesNotMatch(h, /proof|best/i, h)
    assert.doesNotMatch(readme, /the \d+% best/)
  })

  it("describes SQ with the very text docs/spec.md carries, for the run's normalisation, and says what the sq config holds", () => {
    const method = section(readme, "How the samples were chosen")
    const norm = report.settings.sq.normalize as string
    assert.ok(method.includes(SQ_TEXT[norm]!), `the ${norm} definition`)
    assert.ok(readFileSync(join(repoRoot, "docs/spec.md"), "utf8").includes(SQ_TEXT[norm]!), "docs/spec.md says the same")
    assert.match(method, /SQ of \*every\* train-split sample/)
    assert.match(method, /`per_model\[\]\.value` is the raw/)
    assert.match(method, /REVO-LION eval\*\* \(split `eval`\): the top of each dataset's eval split by the same SQ/)
    const evalSplit = Object.values(report.revolion.per_dataset as Record<string, { eval_split: number }>).reduce((n, p) => n + p.eval_split, 0)
    assert.ok(method.includes(`(here ${report.revolion.eval_size} of ${evalSplit} eval-split items`), "the eval set's share, from the run")
    assert.match(readme, /named `eval` on purpose/)
  })

  it("can be reproduced from the card: the spec in the tree, revo's version and commit, the command", () => {
    assert.ok(readFileSync(join(dry, "revo/spec.yaml")).equals(readFileSync(SPEC)), "revo/spec.yaml is the spec file, verbatim")
    const rep = section(readme, "Reproducing this dataset")
    const version = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim()
    assert.ok(rep.includes(`revo ${version} at source commit \`${commit}\``), "version and commit")
    assert.ok(rep.includes("npx revo run revo/spec.yaml --data-root DATA"), "the exact command")
    assert.ok(rep.includes(`decoded spec sha256 \`${report.spec_sha256}\``))
  })

  it("has sample_key unique across the set and image_id for every row whose source has an image", () => {
    const rows = filesUnder(dry).filter((f) => f.startsWith("data/")).flatMap((f) => readWithArrow(readFileSync(join(dry, f))).rows)
    assert.equal(rows.length, report.revolion.train_size + report.revolion.eval_size)
    const ids = rows.map((r) => `${r.id}`)
    assert.ok(ids.length - new Set(ids).size > 0, "ids alone repeat across sources (why sample_key exists)")
    assert.equal(new Set(rows.map((r) => r.sample_key)).size, rows.length, "sample_key is unique")
    for (const r of rows) {
      assert.equal(r.sample_key, `${r.dataset}/${r.id}`)
      if (r.image !== null) assert.ok(typeof r.image_id === "string" && r.image_id !== "", `${r.sample_key} has an image but no image_id`)
    }
    const images = section(readme, "Images")
    for (const d of report.datasets as Array<string>) assert.ok(tableRow(images, d), `${d} is in the image table`)
    assert.match(tableRow(images, "gqa-testdev-balanced")![1]!, /GQA images/)
    assert.match(tableRow(images, "pope-coco")![1]!, /COCO val2014/)
  })

  it("has .gitattributes with LFS for Parquet, and row groups capped by bytes", () => {
    assert.match(readFileSync(join(dry, ".gitattributes"), "utf8"), /^\*\.parquet filter=lfs diff=lfs merge=lfs -text$/m)
    for (const f of filesUnder(dry).filter((p) => p.endsWith(".parquet"))) {
      const b = readFileSync(join(dry, f))
      const meta = parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)
      for (const g of meta.row_groups) assert.ok(Number(g.total_byte_size) <= DEFAULT_ROW_GROUP_BYTES, `${f}: a row group of ${g.total_byte_size} bytes`)
    }
  })

  it("the dry run is exactly what a publish commits", async () => {
    const p = await revoAsync(["publish", SPEC, "--store", store, "--repo", "revo-test/revo-lion", "--endpoint", hub.url, "--allow-demo"], { HF_TOKEN: TOKEN })
    assert.equal(p.code, 0, p.stderr)
    const remote: Array<string> = []
    for await (const e of listFiles({ repo: { type: "dataset", name: "revo-test/revo-lion" }, recursive: true, hubUrl: hub.url, accessToken: TOKEN })) {
      if (e.type === "file") remote.push(e.path)
    }
    const local = filesUnder(dry)
    assert.deepEqual(remote.sort(), local)
    for (const f of local) {
      const res = await fetch(`${hub.url}/datasets/revo-test/revo-lion/resolve/main/${f}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(dry, f))), `${f} differs`)
    }
  })
})
