/**
 * What the card infers about a source (citations, benchmark split, image source) and how the spec's
 * `citation` / `benchmark` keys override it, down to the rendered card.
 */
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import * as Schema from "effect/Schema"
import { renderCard } from "../../src/hub/card.ts"
import { benchmarkOf, citationsOf, imageSourceOf, WORKS } from "../../src/hub/sources.ts"
import { CITATION_KEYS, Citation } from "../../src/spec/citation.ts"
import { cardInput } from "./card-fixture.ts"

const CUSTOM = "@misc{mine2026,\n  title = {My Own Captions},\n  author = {Doe, Jane},\n  year = {2026}\n}"

describe("well-known sources", () => {
  it("every citation key the spec accepts has BibTeX", () => {
    for (const k of CITATION_KEYS) assert.match(WORKS[k].bibtex, /^@\w+\{[a-z0-9]+,\n[\s\S]*title\s*=[\s\S]*year\s*=\s*\{\d{4}\}\n\}$/, k)
  })

  it("infers citations from the dataset's words; the spec's citation replaces them", () => {
    assert.deepEqual(citationsOf({ id: "aokvqa-val", description: "A-OKVQA val with COCO val2017 captions" }).keys, ["aokvqa", "coco", "coco-captions"])
    assert.deepEqual(citationsOf({ id: "okvqa-val" }).keys, ["okvqa", "coco"])
    assert.deepEqual(citationsOf({ id: "llava-pretrain-lcs-2k" }).keys, ["llava-1.5", "laion", "cc", "sbu", "blip", "llava"])
    assert.deepEqual(citationsOf({ id: "my-set" }).keys, [])
    const own = citationsOf({ id: "okvqa-val", citation: ["coco", CUSTOM] })
    assert.deepEqual([own.keys, own.bibtex, own.inferred], [["coco"], [CUSTOM], false])
  })

  it("names benchmark splits from id and file name before the description; the spec's benchmark wins", () => {
    assert.equal(benchmarkOf({ id: "gqa-testdev-balanced", path: "gqa/x.csv" })?.name, "GQA testdev-balanced")
    assert.equal(benchmarkOf({ id: "vqa-x", path: "vqa-x/vqaX_test.json", description: "vqaX_val.json is not used" })?.name, "VQA-X test")
    // a description that mentions a val file it does not use does not make a train2017 set a benchmark
    assert.equal(benchmarkOf({ id: "coco-mini", path: "coco-mini/annotations/captions_train2017.json", description: "its val2017 files are not used" }), undefined)
    assert.equal(benchmarkOf({ id: "gqa-testdev-balanced", benchmark: false }), undefined)
    assert.deepEqual(benchmarkOf({ id: "my-set", benchmark: "MyBench test" }), { name: "MyBench test", inferred: false })
  })

  it("says where images live: split from the values, else the file name, else what the source is known to use", () => {
    assert.match(imageSourceOf({ id: "pope-coco", imageIds: "coco" }, ["val2014"]), /^COCO val2014/)
    assert.match(imageSourceOf({ id: "okvqa-val", imageIds: "coco" }, []), /^COCO val2014/)
    assert.match(imageSourceOf({ id: "coco-mini", format: "coco-captions", path: "coco-mini/annotations/captions_train2017.json" }, []), /^COCO train2017/)
    assert.match(imageSourceOf({ id: "gqa-testdev-balanced", imageIds: "gqa" }, []), /^GQA images/)
    assert.match(imageSourceOf({ id: "mine" }, []), /namespaced `mine:`/)
  })

  it("the spec's citation accepts known keys and BibTeX, and names the keys when it gets neither", () => {
    const decode = Schema.decodeUnknownSync(Citation)
    assert.deepEqual(decode(["llava", CUSTOM]), ["llava", CUSTOM])
    assert.equal(decode("coco"), "coco")
    assert.throws(() => decode("lava"), /Expected one of llava, llava-1\.5, .* or a BibTeX entry/)
  })

  it("the card carries declared citations and benchmarks, marked as declared", () => {
    const input = cardInput({ train: { "llava-instruct-100": 10, "okvqa-val": 20 }, eval: { "llava-instruct-100": 1, "okvqa-val": 2 } }, {
      datasets: {
        "llava-instruct-100": { id: "llava-instruct-100", citation: ["llava", CUSTOM], benchmark: "Internal holdout" },
        "okvqa-val": { id: "okvqa-val", benchmark: false }
      }
    })
    const layout = { train: { files: ["data/train-00000-of-00001.parquet"], rows: 30, bytes: 10 }, eval: { files: [], rows: 0, bytes: 0 }, sources: {}, sq: { files: [], rows: 0, bytes: 0 } }
    const card = renderCard(input, layout)
    assert.match(card, /\| llava-instruct-100 \| Internal holdout \(as the spec declares\) \| 10 \| 1 \|/)
    assert.doesNotMatch(card.slice(card.indexOf("## Warning"), card.indexOf("## Usage")), /okvqa-val/)
    assert.match(card, /\| llava-instruct-100 \| LLaVA, mine2026 \(as the spec declares\) \|/)
    assert.ok(card.includes(CUSTOM), "the custom BibTeX, verbatim")
    assert.match(card, /\| okvqa-val \| OK-VQA, COCO \|/)
  })
})
