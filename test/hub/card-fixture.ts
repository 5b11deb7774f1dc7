/**
 * A report.json-shaped input (issue 8) for the card, with the two real sources the Parquet tests
 * use. The numbers are made up but consistent (sizes add up; DQ/MQ in plausible ranges); the
 * licenses are those the sources' SOURCE.md files state.
 */
import type { CardInput } from "../../src/hub/card.ts"
import type { RepoTreeInput } from "../../src/hub/tree.ts"
import { llavaRows, okvqaRows, sqRowsFor } from "./real-rows.ts"

export const DATASETS = ["llava-instruct-100", "okvqa-val"] as const

export const LICENSES: Record<string, string> = {
  "llava-instruct-100": "CC BY-NC 4.0 + OpenAI terms of use",
  "okvqa-val": "cc-by-4.0"
}

const cell = (mq: number, items: number) => ({ mq, items, bleu4: mq * 0.5, meteor: mq * 1.2, rouge_l: mq * 1.3 })

export const cardInput = (sizes: { train: Record<string, number>; eval: Record<string, number> }, overrides: Partial<CardInput> = {}): CardInput => {
  const trainTotal = Object.values(sizes.train).reduce((a, b) => a + b, 0)
  const evalTotal = Object.values(sizes.eval).reduce((a, b) => a + b, 0)
  const evals = [...DATASETS, "revo-lion-eval"]
  const row = (base: number) => Object.fromEntries(evals.map((e, i) => [e, cell(base + i * 0.01, 100 + i)]))
  const comparison = (control: "union" | "random", controlMean: number, controlSize: number) => ({
    subject: "revo-lion" as const,
    control,
    subject_train_size: trainTotal,
    control_train_size: controlSize,
    union_train_size: trainTotal * 2,
    eval_sets: evals,
    per_eval: Object.fromEntries(evals.map((e) => [e, { subject: 0.2, control: controlMean, diff: 0.2 - controlMean }])),
    subject_mean: 0.2,
    control_mean: controlMean,
    diff: 0.2 - controlMean,
    rel_diff: (0.2 - controlMean) / controlMean,
    wins: control === "random" ? 3 : 1,
    losses: control === "random" ? 0 : 2,
    tolerance: 0.01,
    verdict: control === "union"
      ? "REVO-LION, half the data, is within 5% of the union."
      : "REVO-LION beats a random subset of the same size on every eval set."
  })
  return {
    report: {
      experiment: "quickstart",
      spec_sha256: "3f2a9c0e1b7d4a5f8e6c2b1a0d9f8e7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f10",
      datasets: [...DATASETS],
      mq_metrics: ["bleu4", "meteor", "rouge_l"],
      cross: { "llava-instruct-100": row(0.3), "okvqa-val": row(0.25), union: row(0.21), "revo-lion": row(0.2), random: row(0.15) },
      dq: { "llava-instruct-100": 0.61, "okvqa-val": 0.74 },
      sq: {
        "llava-instruct-100": { n: sizes.train["llava-instruct-100"]! * 2, mean: 1.01, p10: 0.52, p50: 0.98, p90: 1.6 },
        "okvqa-val": { n: sizes.train["okvqa-val"]! * 2, mean: 0.97, p10: 0.1, p50: 0.9, p90: 1.9 }
      },
      revolion: {
        budget: 0.5,
        train_size: trainTotal,
        eval_size: evalTotal,
        per_dataset: Object.fromEntries(DATASETS.map((d) => [d, { train: sizes.train[d]!, eval: sizes.eval[d]!, train_split: sizes.train[d]! * 2, eval_split: sizes.eval[d]! * 3 }]))
      },
      comparison: { union: comparison("union", 0.21, trainTotal * 2), random: comparison("random", 0.15, trainTotal) },
      provenance: {
        spec_sha256: "3f2a9c0e1b7d4a5f8e6c2b1a0d9f8e7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f10",
        dataset_keys: { "okvqa-val": "sha256:bbbb", "llava-instruct-100": "sha256:aaaa" },
        plugin: { name: "retrieval", version: "0.1.0", code_sha256: "c0de" },
        tools: { node: "24.21.0", effect: "4.1.0", revo: "0.1.0" }
      },
      settings: { dq: { normalize: "in_domain", include_self: false }, sq: { normalize: "rank", crossfit: 0 }, backend: "retrieval", seed: 7 }
    },
    licenses: LICENSES,
    lock: "version: 1\ndatasets:\n  llava-instruct-100: sha256:aaaa\n  okvqa-val: sha256:bbbb\nnote: \"a ``` fence inside the lock\"\n",
    repo: "revo-test/revo-lion",
    ...overrides
  }
}

/** Real rows split into train/eval by position; the eval part of LLaVA is left empty on purpose. */
export const realTreeInput = (maxShardBytes?: number): RepoTreeInput => {
  const llava = llavaRows()
  const okvqa = okvqaRows(450)
  const train = [...okvqa.slice(0, 300), ...llava].reverse() // unsorted on purpose
  const evalRows = okvqa.slice(300)
  return {
    train,
    eval: evalRows,
    sq: sqRowsFor(train, ["llava-instruct-100", "okvqa-val"]),
    card: cardInput({ train: { "llava-instruct-100": 100, "okvqa-val": 300 }, eval: { "llava-instruct-100": 0, "okvqa-val": 150 } }),
    ...(maxShardBytes === undefined ? {} : { maxShardBytes })
  }
}

