/**
 * What the card knows about well-known sources: BibTeX for the method and for each source, which
 * benchmark evaluation split a dataset is (for the contamination warning), and where its images
 * live. A dataset is matched by its id, description and source path; the spec's `citation` and
 * `benchmark` keys override the match. Bibliographic data as the works themselves give it.
 */
import { asCitationKey, type CitationKey } from "../spec/citation.ts"

export interface Work {
  readonly name: string
  readonly bibtex: string
}

/** The method: REVO-LION (arXiv 2310.06594; the Hub turns the arXiv link into a paper tag). */
export const REVO_LION_ARXIV = "2310.06594"
export const REVO_LION_BIBTEX = `@article{liao2023revolion,
  title   = {On the Evaluation and Refinement of Vision-Language Instruction Tuning Datasets},
  author  = {Liao, Ning and Zhang, Shaofeng and Xia, Renqiu and Cao, Min and Qiao, Yu and Yan, Junchi},
  journal = {arXiv preprint arXiv:2310.06594},
  year    = {2023},
  note    = {Earlier title: REVO-LION: Evaluating and Refining Vision-Language Instruction Tuning Datasets}
}`

export const WORKS: Readonly<Record<CitationKey, Work>> = {
  llava: { name: "LLaVA", bibtex: `@inproceedings{liu2023llava,
  title     = {Visual Instruction Tuning},
  author    = {Liu, Haotian and Li, Chunyuan and Wu, Qingyang and Lee, Yong Jae},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS)},
  year      = {2023}
}` },
  "llava-1.5": { name: "LLaVA-1.5", bibtex: `@inproceedings{liu2024llava15,
  title     = {Improved Baselines with Visual Instruction Tuning},
  author    = {Liu, Haotian and Li, Chunyuan and Li, Yuheng and Lee, Yong Jae},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2024}
}` },
  aokvqa: { name: "A-OKVQA", bibtex: `@inproceedings{schwenk2022aokvqa,
  title     = {A-OKVQA: A Benchmark for Visual Question Answering using World Knowledge},
  author    = {Schwenk, Dustin and Khandelwal, Apoorv and Clark, Christopher and Marino, Kenneth and Mottaghi, Roozbeh},
  booktitle = {European Conference on Computer Vision (ECCV)},
  year      = {2022}
}` },
  okvqa: { name: "OK-VQA", bibtex: `@inproceedings{marino2019okvqa,
  title     = {OK-VQA: A Visual Question Answering Benchmark Requiring External Knowledge},
  author    = {Marino, Kenneth and Rastegari, Mohammad and Farhadi, Ali and Mottaghi, Roozbeh},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2019}
}` },
  "vqa-x": { name: "VQA-X", bibtex: `@inproceedings{park2018vqax,
  title     = {Multimodal Explanations: Justifying Decisions and Pointing to the Evidence},
  author    = {Park, Dong Huk and Hendricks, Lisa Anne and Akata, Zeynep and Rohrbach, Anna and Schiele, Bernt and Darrell, Trevor and Rohrbach, Marcus},
  booktitle = {Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2018}
}` },
  "vqa-v2": { name: "VQA v2", bibtex: `@inproceedings{goyal2017vqav2,
  title     = {Making the {V} in {VQA} Matter: Elevating the Role of Image Understanding in Visual Question Answering},
  author    = {Goyal, Yash and Khot, Tejas and Summers-Stay, Douglas and Batra, Dhruv and Parikh, Devi},
  booktitle = {Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2017}
}` },
  pope: { name: "POPE", bibtex: `@inproceedings{li2023pope,
  title     = {Evaluating Object Hallucination in Large Vision-Language Models},
  author    = {Li, Yifan and Du, Yifan and Zhou, Kun and Wang, Jinpeng and Zhao, Wayne Xin and Wen, Ji-Rong},
  booktitle = {Proceedings of the Conference on Empirical Methods in Natural Language Processing (EMNLP)},
  year      = {2023}
}` },
  coco: { name: "COCO", bibtex: `@inproceedings{lin2014coco,
  title     = {Microsoft {COCO}: Common Objects in Context},
  author    = {Lin, Tsung-Yi and Maire, Michael and Belongie, Serge and Hays, James and Perona, Pietro and Ramanan, Deva and Doll{\\'a}r, Piotr and Zitnick, C. Lawrence},
  booktitle = {European Conference on Computer Vision (ECCV)},
  year      = {2014}
}` },
  "coco-captions": { name: "COCO Captions", bibtex: `@article{chen2015cococaptions,
  title   = {Microsoft {COCO} Captions: Data Collection and Evaluation Server},
  author  = {Chen, Xinlei and Fang, Hao and Lin, Tsung-Yi and Vedantam, Ramakrishna and Gupta, Saurabh and Doll{\\'a}r, Piotr and Zitnick, C. Lawrence},
  journal = {arXiv preprint arXiv:1504.00325},
  year    = {2015}
}` },
  gqa: { name: "GQA", bibtex: `@inproceedings{hudson2019gqa,
  title     = {{GQA}: A New Dataset for Real-World Visual Reasoning and Compositional Question Answering},
  author    = {Hudson, Drew A. and Manning, Christopher D.},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2019}
}` },
  laion: { name: "LAION-400M", bibtex: `@article{schuhmann2021laion400m,
  title   = {{LAION-400M}: Open Dataset of {CLIP}-Filtered 400 Million Image-Text Pairs},
  author  = {Schuhmann, Christoph and Vencu, Richard and Beaumont, Romain and Kaczmarczyk, Robert and Mullis, Clayton and Katta, Aarush and Coombes, Theo and Jitsev, Jenia and Komatsuzaki, Aran},
  journal = {arXiv preprint arXiv:2111.02114},
  year    = {2021}
}` },
  cc: { name: "Conceptual Captions", bibtex: `@inproceedings{sharma2018cc,
  title     = {Conceptual Captions: A Cleaned, Hypernymed, Image Alt-text Dataset For Automatic Image Captioning},
  author    = {Sharma, Piyush and Ding, Nan and Goodman, Sebastian and Soricut, Radu},
  booktitle = {Proceedings of the Annual Meeting of the Association for Computational Linguistics (ACL)},
  year      = {2018}
}` },
  sbu: { name: "SBU Captions", bibtex: `@inproceedings{ordonez2011sbu,
  title     = {Im2Text: Describing Images Using 1 Million Captioned Photographs},
  author    = {Ordonez, Vicente and Kulkarni, Girish and Berg, Tamara L.},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS)},
  year      = {2011}
}` },
  blip: { name: "BLIP", bibtex: `@inproceedings{li2022blip,
  title     = {{BLIP}: Bootstrapping Language-Image Pre-training for Unified Vision-Language Understanding and Generation},
  author    = {Li, Junnan and Li, Dongxu and Xiong, Caiming and Hoi, Steven},
  booktitle = {International Conference on Machine Learning (ICML)},
  year      = {2022}
}` }
}

/** What the card needs to know about one dataset of the spec. */
export interface DatasetFacts {
  readonly id: string
  readonly description?: string | undefined
  readonly path?: string | undefined
  readonly format?: string | undefined
  /** the spec's `citation`, as entries */
  readonly citation?: ReadonlyArray<string> | undefined
  /** the spec's `benchmark` */
  readonly benchmark?: string | false | undefined
  /** the spec's `image_ids` scheme */
  readonly imageIds?: string | undefined
}

const textOf = (d: DatasetFacts): string => `${d.id} ${d.description ?? ""} ${d.path ?? ""}`.toLowerCase()

/** The well-known works a dataset builds on, by the words that name them. Order: most specific first. */
const RULES: ReadonlyArray<{ readonly test: RegExp; readonly keys: ReadonlyArray<CitationKey> }> = [
  { test: /llava[^ ]*pretrain|lcs|laion|\bsbu\b/, keys: ["llava-1.5", "laion", "cc", "sbu", "blip"] },
  { test: /llava/, keys: ["llava"] },
  { test: /a-?okvqa/, keys: ["aokvqa"] },
  { test: /(?<!a-?)ok-?vqa/, keys: ["okvqa", "coco"] },
  { test: /vqa-?x/, keys: ["vqa-x", "vqa-v2", "coco"] },
  { test: /pope/, keys: ["pope", "coco"] },
  { test: /gqa/, keys: ["gqa"] },
  { test: /coco/, keys: ["coco"] }
]

/** The spec's citations, else the works the dataset's words name; caption sets also cite COCO Captions. */
export const citationsOf = (d: DatasetFacts): { readonly keys: ReadonlyArray<CitationKey>; readonly bibtex: ReadonlyArray<string>; readonly inferred: boolean } => {
  if (d.citation !== undefined && d.citation.length > 0) {
    const keys = d.citation.flatMap((c) => asCitationKey(c) ?? [])
    return { keys, bibtex: d.citation.filter((c) => asCitationKey(c) === undefined), inferred: false }
  }
  const text = textOf(d)
  const keys = new Set<CitationKey>()
  for (const r of RULES) if (r.test.test(text)) r.keys.forEach((k) => keys.add(k))
  if (keys.has("coco") && (d.format === "coco-captions" || /caption/.test(text))) keys.add("coco-captions")
  return { keys: [...keys], bibtex: [], inferred: true }
}

/** A benchmark's evaluation split, named as papers name it; order: most specific first. */
const BENCHMARKS: ReadonlyArray<{ readonly test: RegExp; readonly name: (text: string) => string | undefined }> = [
  { test: /pope/, name: () => "POPE" },
  { test: /llava-?bench|qa90/, name: () => "LLaVA-Bench (COCO)" },
  { test: /gqa/, name: (t) => (/testdev/.test(t) ? `GQA testdev${/balanced/.test(t) ? "-balanced" : ""}` : /\bval\b|_val/.test(t) ? "GQA val" : undefined) },
  { test: /a-?okvqa/, name: (t) => (/\btest\b|_test/.test(t) ? "A-OKVQA test" : /\bval\b|_val|-val/.test(t) ? "A-OKVQA val" : undefined) },
  // OK-VQA's val file is the split papers report as its test set.
  { test: /(?<!a-?)ok-?vqa/, name: (t) => (/test|val/.test(t) ? "OK-VQA test (the val2014 questions)" : undefined) },
  { test: /vqa-?x/, name: (t) => (/\btest\b|_test/.test(t) ? "VQA-X test" : /\bval\b|_val/.test(t) ? "VQA-X val" : undefined) },
  { test: /coco/, name: (t) => (/val2017/.test(t) ? "COCO val2017" : /val2014|karpathy/.test(t) ? "COCO val2014 (Karpathy test)" : undefined) }
]

/**
 * The benchmark evaluation split a dataset is, if any: the spec's `benchmark`, else a well-known
 * one, recognised by the dataset's id and file name first (a description may mention files it
 * does not use), by its description only when those name no known benchmark source.
 */
export const benchmarkOf = (d: DatasetFacts): { readonly name: string; readonly inferred: boolean } | undefined => {
  if (d.benchmark === false) return undefined
  if (typeof d.benchmark === "string") return { name: d.benchmark, inferred: false }
  const own = `${d.id} ${d.path ?? ""}`.toLowerCase()
  for (const text of [own, textOf(d)]) {
    for (const b of BENCHMARKS) {
      if (b.test.test(text)) {
        const name = b.name(text)
        return name === undefined ? undefined : { name, inferred: true }
      }
    }
  }
  return undefined
}

/** The COCO split a well-known source's images come from, where its files do not say. */
const COCO_SPLIT_OF: ReadonlyArray<[RegExp, string]> = [
  [/llava-?bench|qa90/, "val2014"],
  [/(?<!a-?)ok-?vqa/, "val2014"],
  [/pope/, "val2014"],
  [/llava-?instruct/, "train2017"]
]

/** Where a dataset's images live, for the card's image table. */
export const imageSourceOf = (d: DatasetFacts, imageValues: ReadonlyArray<string>): string => {
  const scheme = d.imageIds ?? (d.format === "coco-captions" ? "coco" : d.id)
  const text = textOf(d)
  if (scheme === "coco") {
    const splits = new Set<string>()
    const own = `${d.id} ${d.path ?? ""}`.toLowerCase()
    for (const v of imageValues) for (const m of v.matchAll(/(train|val|test)(2014|2017)/g)) splits.add(m[0])
    if (splits.size === 0) for (const m of own.matchAll(/(train|val|test)(2014|2017)/g)) splits.add(m[0])
    if (splits.size === 0) for (const [re, split] of COCO_SPLIT_OF) if (re.test(text)) splits.add(split)
    const which = [...splits].sort()
    return `COCO ${which.length > 0 ? which.join(", ") : "(split not named by the source)"} — https://cocodataset.org; \`image_id\` is the COCO image id`
  }
  if (/gqa/.test(text)) return "GQA images — https://cs.stanford.edu/people/dorarad/gqa; `image_id` is `gqa:<file name>`"
  if (/lcs|laion|sbu|pretrain/.test(text)) return "LAION/CC/SBU subset of LLaVA-Pretrain (images.zip of the LLaVA-Pretrain release); `image_id` is `lcs:<path>`"
  return `the source's own images (ids namespaced \`${scheme}:\`)`
}
