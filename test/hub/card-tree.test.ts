import assert from "node:assert/strict"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as nodePath from "node:path"
import { after, before, describe, it } from "node:test"
import * as Effect from "effect/Effect"
import { parse } from "yaml"
import { hubLicenseId, licenseTier, renderCard } from "../../src/hub/card.ts"
import type { SampleRow } from "../../src/hub/parquet.ts"
import { buildRepoTree, readTree, writeTree } from "../../src/hub/tree.ts"
import { readWithArrow } from "./arrow-reader.ts"
import { cardInput, LICENSES, realTreeInput } from "./card-fixture.ts"

const plain = (rows: ReadonlyArray<object>): unknown => JSON.parse(JSON.stringify(rows))
const byDatasetId = (a: SampleRow, b: SampleRow) => (a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const frontMatter = (readme: string): Record<string, any> => {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(readme)
  assert.ok(m, "README starts with YAML front matter")
  return parse(m[1]!) as Record<string, any>
}

describe("repo tree", () => {
  const input = realTreeInput(40 * 1024)
  const tree = buildRepoTree(input)

  it("lays out train, eval, sq shards, .gitattributes and README.md, one source per shard", () => {
    const paths = tree.map((f) => f.path)
    assert.equal(paths.at(-1), "README.md")
    assert.equal(new TextDecoder().decode(tree.find((f) => f.path === ".gitattributes")!.bytes).split("\n").filter((l) => l && !l.startsWith("#")).join("\n"),
      "*.parquet filter=lfs diff=lfs merge=lfs -text")
    const train = paths.filter((p) => p.startsWith("data/train-"))
    const evalPaths = paths.filter((p) => p.startsWith("data/eval-"))
    const sq = paths.filter((p) => p.startsWith("sq/"))
    assert.deepEqual(paths, [...train, ...evalPaths, ...sq, ".gitattributes", "README.md"])
    assert.ok(train.length >= 3, `train shards: ${train.length}`)
    train.forEach((p, i) => assert.equal(p, `data/train-${String(i).padStart(5, "0")}-of-${String(train.length).padStart(5, "0")}.parquet`))
    assert.ok(evalPaths.length >= 1 && sq.length >= 1)
    for (const f of tree.filter((f) => f.path.endsWith(".parquet"))) {
      assert.ok(f.bytes.length <= 40 * 1024, `${f.path} is ${f.bytes.length} bytes`)
      const datasets = new Set(readWithArrow(f.bytes).rows.map((r) => r.dataset))
      if (!f.path.startsWith("sq/")) assert.equal(datasets.size, 1, `${f.path} mixes sources`)
    }
  })

  it("holds every row exactly, sorted by (dataset, id), read by the independent reader", () => {
    const read = (prefix: string) => tree.filter((f) => f.path.startsWith(prefix)).flatMap((f) => readWithArrow(f.bytes).rows)
    assert.deepEqual(read("data/train-"), plain([...input.train].sort(byDatasetId)))
    assert.deepEqual(read("data/eval-"), plain([...input.eval].sort(byDatasetId)))
    assert.equal(read("sq/").length, input.sq.length)
  })

  it("is deterministic", () => {
    const again = buildRepoTree(realTreeInput(40 * 1024))
    assert.deepEqual(again.map((f) => [f.path, Buffer.from(f.bytes)]), tree.map((f) => [f.path, Buffer.from(f.bytes)]))
  })

  describe("dataset card", () => {
    const readme = new TextDecoder().decode(tree.at(-1)!.bytes)
    const fm = frontMatter(readme)

    it("has the expected front matter keys and values", () => {
      assert.deepEqual(Object.keys(fm), ["pretty_name", "license", "license_name", "license_link", "language", "task_categories", "tags", "size_categories", "source_datasets", "configs", "dataset_info"])
      assert.deepEqual(fm.license, ["cc-by-4.0", "cc-by-nc-4.0", "other"]) // the sources differ: every id they name, and other
      assert.deepEqual(fm.source_datasets, ["LLaVA", "OK-VQA", "COCO"]) // inferred from the source ids
      assert.equal(fm.license_name, "revo-lion-mixed-sources")
      assert.deepEqual(fm.language, ["en"])
      assert.deepEqual(fm.task_categories, ["visual-question-answering", "image-to-text"])
      assert.deepEqual(fm.size_categories, ["n<1K"]) // 400 train + 150 eval
      assert.doesNotMatch(readme.split("\n---\n")[0]!, /[&*]a\d/, "no YAML anchors or aliases: the Hub's metadata checks are strict")
    })

    it("has one config per split set and per source, pointing at exactly the right files", () => {
      const names = fm.configs.map((c: any) => c.config_name)
      assert.deepEqual(names, ["default", "llava-instruct-100", "okvqa-val", "sq"])
      const files = (config: string, split: string): Array<string> =>
        fm.configs.find((c: any) => c.config_name === config).data_files.find((d: any) => d.split === split)?.path ?? []
      assert.equal(fm.configs[0].default, true)
      assert.deepEqual(files("default", "train"), tree.filter((f) => f.path.startsWith("data/train-")).map((f) => f.path))
      assert.deepEqual(files("sq", "train"), tree.filter((f) => f.path.startsWith("sq/")).map((f) => f.path))
      // each source's files hold that source's rows, and all of them
      for (const source of ["llava-instruct-100", "okvqa-val"]) {
        for (const split of ["train", "eval"]) {
          const rows = files(source, split).flatMap((p) => readWithArrow(tree.find((f) => f.path === p)!.bytes).rows)
          const expected = (split === "train" ? input.train : input.eval).filter((r) => r.dataset === source)
          assert.equal(rows.length, expected.length, `${source}/${split}`)
          assert.ok(rows.every((r) => r.dataset === source))
        }
      }
      // LLaVA has no eval rows here: its config lists no eval split rather than an empty file
      assert.deepEqual(fm.configs[1].data_files.map((d: any) => d.split), ["train"])
    })

    it("describes features matching the Parquet schema, and the split sizes", () => {
      const info = fm.dataset_info.find((i: any) => i.config_name === "default")
      assert.deepEqual(info.features.map((f: any) => f.name), ["id", "dataset", "sample_key", "image", "image_id", "context", "turns", "sq"])
      const arrowFields = readWithArrow(tree[0]!.bytes).fields.map((f) => f.split(":")[0])
      assert.deepEqual(info.features.map((f: any) => f.name), arrowFields)
      assert.deepEqual(info.features[6], { name: "turns", list: [{ name: "instruction", dtype: "string" }, { name: "references", list: "string" }] })
      assert.deepEqual(info.splits, [{ name: "train", num_examples: 400 }, { name: "eval", num_examples: 150 }])
      const sqInfo = fm.dataset_info.find((i: any) => i.config_name === "sq")
      assert.deepEqual(sqInfo.features.map((f: any) => f.name), readWithArrow(tree.find((f) => f.path.startsWith("sq/"))!.bytes).fields.map((f) => f.split(":")[0]))
    })

    it("has a body with the method, DQ and comparison tables, per-source licenses, and the lock verbatim", () => {
      for (const heading of ["## How the samples were chosen", "## Sources", "## Limitations", "## Dataset quality (DQ)", "## Sample quality (SQ) per source", "## Comparison with controls", "## Licenses", "## Citation", "## Reproducing this dataset"]) {
        assert.ok(readme.includes(heading), heading)
      }
      assert.match(readme, /\| okvqa-val \| 0\.7400 \|\n\| llava-instruct-100 \| 0\.6100 \|/) // DQ sorted, best first
      assert.match(readme, /\| revo-lion \| 400 \| 0\.2000 \| 0\.2100 \| 0\.2200 \|/)
      assert.match(readme, /\| okvqa-val \| cc-by-4\.0 \| 300 \| 150 \| 600 \| 450 \|/)
      assert.match(readme, /\*\*Restrictive terms bind the combined dataset\.\*\*[^\n]*\n\n- non-commercial or research-only use: `llava-instruct-100`\n\n/)
      assert.ok(readme.includes("````\n" + cardInput({ train: {}, eval: {} }).lock + "````"), "the lock sits in a fence longer than the ``` inside it")
      assert.ok(readme.includes('load_dataset("revo-test/revo-lion", "llava-instruct-100")'))
    })

    it("says the one license when every source shares it", () => {
      const same = cardInput({ train: { "llava-instruct-100": 1, "okvqa-val": 1 }, eval: { "llava-instruct-100": 1, "okvqa-val": 1 } }, { licenses: { "llava-instruct-100": "CC BY 4.0", "okvqa-val": "cc-by-4.0" } })
      const layout = { train: { files: ["data/train-00000-of-00001.parquet"], rows: 2, bytes: 10 }, eval: { files: [], rows: 0, bytes: 0 }, sources: {}, sq: { files: [], rows: 0, bytes: 0 } }
      const card = renderCard(same, layout)
      const f = frontMatter(card)
      assert.equal(f.license, "cc-by-4.0")
      assert.equal(f.license_name, undefined)
      assert.match(card, /Every source is under cc-by-4\.0\./)
      assert.equal(renderCard(same, layout), card)
    })
  })

  it("states the verdict its interval supports, and the backend the run recorded, when report.json carries them (issue 13)", () => {
    const base = cardInput({ train: { "llava-instruct-100": 1, "okvqa-val": 1 }, eval: { "llava-instruct-100": 1, "okvqa-val": 1 } })
    const proof = { outcome: "falls short" as const, rel_lo: -0.061, rel_hi: -0.019, statistic: "Macro mean sample-level MQ" }
    const backend = { name: "hf-vlm", version: "2.0.0", kind: "process", inputs: ["text", "image"], demo: false, description: "LoRA on a LLaVA-style model" }
    const none = { excluded: [], degenerate: [], same_image: 0, unscored: 0 }
    const sq_notes = {
      "okvqa-val": { train: { excluded: [{ model: "llava-instruct-100", reason: "mean below min_signal", mean: 1e-9, nonzero: 0 }], degenerate: [], same_image: 0, unscored: 3 }, eval: none },
      "llava-instruct-100": { train: none, eval: none }
    }
    const report = { ...base.report, backend, sq_notes, comparison: { union: { ...base.report.comparison.union, ...proof }, random: { ...base.report.comparison.random, outcome: "inconclusive" as const } } }
    const layout = { train: { files: ["data/train-00000-of-00001.parquet"], rows: 2, bytes: 10 }, eval: { files: [], rows: 0, bytes: 0 }, sources: {}, sq: { files: [], rows: 0, bytes: 0 } }
    const card = renderCard({ ...base, report, backend: { name: "retrieval", version: "1.0.0", inputs: ["text"], demo: true } }, layout)
    const lim = card.slice(card.indexOf("## Limitations"), card.indexOf("## Dataset quality"))
    assert.match(lim, /REVO-LION \*\*falls short\*\* of the union\. /)
    assert.match(lim, /Macro mean sample-level MQ: 0\.2000 vs 0\.2100 \(difference -0\.0100; relative difference −4\.8%, 95% interval −6\.1% to −1\.9%;/)
    assert.match(lim, /REVO-LION against the random subset: \*\*inconclusive\*\*/)
    // the run's recorded backend, not the manifest read at publish time
    assert.match(lim, /`hf-vlm 2\.0\.0`: LoRA on a LLaVA-style model\. Of each sample it sees the image pixels and/)
    assert.doesNotMatch(lim, /demonstration of the method/)
    assert.match(lim, /- \*\*Models left out of SQ\*\* \(train splits\): `okvqa-val`: llava-instruct-100 left out \(mean below min_signal\); 3 samples no model could score, given the neutral SQ\.\n/)
  })

  it("classifies licenses", () => {
    assert.equal(hubLicenseId("CC BY 4.0"), "cc-by-4.0")
    assert.equal(hubLicenseId("LLaVA research terms"), undefined)
    assert.deepEqual(Object.values(LICENSES).map(licenseTier), [4, 1])
    assert.equal(licenseTier("not stated (code MIT); verify"), 5)
    // unrecognised or unstated text is the most restrictive tier, whatever permissive words it also holds
    assert.equal(licenseTier("unstated (A-OKVQA code MIT); COCO annotations CC BY 4.0"), 5)
    assert.equal(licenseTier("LAION / CC / SBU terms (LLaVA-Pretrain)"), 5)
    assert.equal(licenseTier("some bespoke agreement"), 5)
    assert.equal(licenseTier("MIT; COCO annotations CC BY 4.0"), 1)
    assert.equal(licenseTier("CC BY-NC 4.0 (LLaVA-Instruct, OpenAI terms)"), 4)
    assert.equal(licenseTier("CC BY-ND 4.0"), 3)
    assert.equal(licenseTier("cc-by-sa-4.0"), 2)
    assert.equal(licenseTier("CC0 1.0"), 0)
    assert.equal(licenseTier(undefined), 5)
  })
})

describe("writeTree / readTree", () => {
  let dir: string
  before(async () => {
    dir = await fs.mkdtemp(nodePath.join(tmpdir(), "revo-tree-"))
  })
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true })
  })

  it("writes the tree byte for byte and removes stale shards from a previous dry run", async () => {
    const small = buildRepoTree(realTreeInput(20 * 1024))
    await Effect.runPromise(writeTree(dir, small))
    await fs.writeFile(nodePath.join(dir, "notes.txt"), "mine")
    const big = buildRepoTree(realTreeInput())
    assert.ok(big.length < small.length)
    await Effect.runPromise(writeTree(dir, big))
    const back = await Effect.runPromise(readTree(dir))
    const expected = [...big, { path: "notes.txt", bytes: new TextEncoder().encode("mine") }].sort((a, b) => (a.path < b.path ? -1 : 1))
    assert.deepEqual(back.map((f) => [f.path, Buffer.from(f.bytes)]), expected.map((f) => [f.path, Buffer.from(f.bytes)]))
  })

  it("refuses paths that leave the folder", async () => {
    const e = await Effect.runPromise(Effect.flip(writeTree(dir, [{ path: "../escape.txt", bytes: new Uint8Array([1]) }])))
    assert.equal(e._tag, "HubIoError")
    await assert.rejects(fs.stat(nodePath.join(dir, "..", "escape.txt")))
  })
})
