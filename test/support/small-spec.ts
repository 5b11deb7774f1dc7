/**
 * A small experiment over three real datasets of ../shared/data (their files copied into a temp
 * data root, so a test may edit them), for end-to-end runs that take seconds, not minutes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { repoRoot, sharedData } from "./cli.ts"

export interface SmallSpec {
  readonly dir: string
  readonly spec: string
  readonly dataRoot: string
  readonly store: string
}

const files = [
  "coco-mini/annotations/captions_train2017.json",
  "llava-bench-coco/qa90_questions.jsonl",
  "llava-bench-coco/qa90_gpt4_answer.jsonl",
  "llava-bench-coco/caps_boxes_coco2014_val_80.jsonl",
  "llava-instruct-100/llava_instruct_100.json"
]

export const smallSpec = (options: { process?: boolean; extra?: string } = {}): SmallSpec => {
  const dir = mkdtempSync(join(tmpdir(), "revo-small-"))
  const dataRoot = join(dir, "data")
  for (const f of files) {
    mkdirSync(dirname(join(dataRoot, f)), { recursive: true })
    copyFileSync(join(sharedData, f), join(dataRoot, f))
  }
  const spec = join(dir, "small.yaml")
  writeFileSync(spec, `name: small
seed: 7
data_root: data
datasets:
  coco-mini:
    source: { format: coco-captions, path: coco-mini/annotations/captions_train2017.json }
    instruction: Describe the image briefly.
    license: CC BY 4.0
  llava-bench-coco:
    source: { format: jsonl, path: llava-bench-coco/qa90_questions.jsonl }
    joins:
      - { as: answer, path: llava-bench-coco/qa90_gpt4_answer.jsonl, format: jsonl, key: question_id, on: question_id, required: true }
      - { as: caps, path: llava-bench-coco/caps_boxes_coco2014_val_80.jsonl, format: jsonl, key: image, on: image, match: coco-image-id }
    fields: { id: question_id, image: image, instruction: text, references: answer.text }
    context: "{caps.captions[*]}"
    image_ids: coco
    license: CC BY-NC 4.0
  llava-instruct-100:
    source: { format: llava, path: llava-instruct-100/llava_instruct_100.json }
    image_ids: coco
    license: CC BY-NC 4.0
split:
  eval: 0.2
backend:
  plugin: ${options.process ? JSON.stringify(join(repoRoot, "plugins/retrieval")) : "retrieval"}
metrics: [bleu4, meteor, rouge_l, cider]
${options.extra ?? ""}
`)
  return { dir, spec, dataRoot, store: join(dir, "results", ".revo") }
}

export interface RunEvent {
  readonly event: string
  readonly task: string
  readonly reason?: string
  readonly error?: string
}

/** The events of the spec's latest run (results/small/runs/<newest>/events.jsonl). */
export const lastRunEvents = (s: SmallSpec): Array<RunEvent> => {
  const runs = join(s.dir, "results", "small", "runs")
  const last = readdirSync(runs).sort().at(-1)!
  return readFileSync(join(runs, last, "events.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as RunEvent)
}
