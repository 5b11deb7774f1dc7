/**
 * `revo publish`: REVO-LION as a Hugging Face dataset repo — Parquet shards, a dataset card, the
 * spec and the provenance — written to a folder (--dry-run) or committed to the Hub. The token
 * comes from HF_TOKEN only and is never printed. A set selected by a demo backend is refused
 * unless --allow-demo: its SQ is not a finding, and a published dataset outlives the caveat.
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { isDemo, type Manifest, pluginInputs } from "../backends/contract.ts"
import { Plugins } from "../backends/registry.ts"
import type { BackendFacts, CardReport } from "../hub/card.ts"
import { readSampleParquet, readSqParquet } from "../hub/parquet.ts"
import { publishTree } from "../hub/publish.ts"
import type { DatasetFacts } from "../hub/sources.ts"
import { buildRepoTree, writeTree } from "../hub/tree.ts"
import { decodeReport } from "../report/types.ts"
import { citationEntries } from "../spec/citation.ts"
import type { Spec } from "../spec/schema.ts"
import { UsageError } from "./errors.ts"
import { requireResults } from "./report.ts"
import type { SpecArgs } from "./run.ts"

export interface PublishArgs extends SpecArgs {
  readonly repo: Option.Option<string>
  readonly private: boolean
  readonly revision: Option.Option<string>
  readonly endpoint: Option.Option<string>
  readonly dryRun: Option.Option<string>
  readonly allowDemo: boolean
}

const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
const revoVersion: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version

/** revo's source commit and whether tracked files differ from it; none when not run from a git checkout. */
const sourceCommit = (): { commit?: string; dirty?: boolean } => {
  try {
    const git = (...args: Array<string>) => execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    const commit = git("rev-parse", "HEAD")
    return /^[0-9a-f]{40}$/.test(commit) ? { commit, dirty: git("status", "--porcelain", "--untracked-files=no") !== "" } : {}
  } catch {
    return {}
  }
}

/** What the card says each dataset is (description, source, citation, benchmark, image ids). */
const datasetFacts = (spec: Spec): Record<string, DatasetFacts> =>
  Object.fromEntries(Object.entries(spec.datasets).map(([id, d]) => [id, {
    id,
    description: d.description,
    path: d.source.path,
    format: d.source.format,
    citation: citationEntries(d.citation),
    benchmark: d.benchmark,
    imageIds: d.image_ids
  } satisfies DatasetFacts]))

/** What the manifest declares the backend sees, and whether it is a demo. */
const backendFacts = (m: Manifest): BackendFacts =>
  ({ name: m.name, version: m.version, description: m.description, inputs: pluginInputs(m), demo: isDemo(m) })

export const runPublish = (args: PublishArgs) =>
  Effect.gen(function*() {
    const { session, rows } = yield* requireResults(args, "publish", true)
    const spec = session.loaded.spec
    const repo = Option.getOrUndefined(args.repo) ?? spec.publish.repo
    if (repo === undefined && Option.isNone(args.dryRun)) {
      return yield* new UsageError({ message: "revo publish: name the repo with --repo ORG/NAME (or publish.repo in the spec), or use --dry-run DIR" })
    }
    // The report task of *this* spec, by its key in the plan (other specs may share the store).
    const reportRecord = session.store.readRecord(rows.find((r) => r.task === "report")?.key ?? "")
    const out = (name: string) => {
      const o = reportRecord?.outputs[name]
      if (!o) throw new Error(`the store has no report output ${name}`)
      return session.store.get(o.hash)
    }
    const reportJson: CardReport = decodeReport(JSON.parse(out("report.json").toString("utf8")))
    // The backend as the run recorded it; the manifest read now when the report predates that record.
    const backend: BackendFacts = reportJson.backend !== undefined
      ? reportJson.backend
      : backendFacts((yield* (yield* Plugins).load(spec.backend.plugin, { baseDir: dirname(session.loaded.file) }).pipe(
        Effect.mapError((e) => new UsageError({ message: `${args.spec}: backend.plugin: ${e.message}` }))
      )).manifest)
    if (backend.demo === true && !args.allowDemo) {
      return yield* new UsageError({
        message: `revo publish: this REVO-LION was selected with ${backend.name} ${backend.version}, a demo backend ` +
          `(it sees ${(backend.inputs ?? ["text"]).join(" + ")}${backend.inputs?.includes("image") ? "" : ", no image pixels"}), so its SQ ranking is a demonstration of the method, not a finding about the data. ` +
          "A dataset on the Hub outlives that caveat. Run the spec with a real backend (e.g. backend.plugin: hf-vlm), or pass --allow-demo to publish it anyway; " +
          "the card then says it was made by a demo backend."
      })
    }
    const train = yield* readSampleParquet(out("revolion/train.parquet"))
    const evalRows = yield* readSampleParquet(out("revolion/eval.parquet"))
    const sq = yield* readSqParquet(out("revolion/sq.parquet"))
    const licenses = Object.fromEntries(Object.entries(spec.datasets).map(([id, d]) => [id, d.license ?? "not stated"]))
    const specText = readFileSync(session.loaded.file, "utf8")
    const tree = buildRepoTree({
      train, eval: evalRows, sq,
      card: {
        report: reportJson,
        licenses,
        datasets: datasetFacts(spec),
        lock: out("revo.lock").toString("utf8"),
        backend,
        reproduce: { specText, revoVersion, ...sourceCommit(), overrides: args.set },
        ...(repo ? { repo } : {}),
        ...(spec.publish.pretty_name !== undefined ? { prettyName: spec.publish.pretty_name } : {}),
        ...(spec.publish.source_datasets !== undefined ? { sourceDatasets: spec.publish.source_datasets } : {}),
        ...(spec.publish.task_categories !== undefined ? { taskCategories: spec.publish.task_categories } : {})
      },
      maxShardBytes: spec.publish.shard_mb * 1024 * 1024
    })
    if (Option.isSome(args.dryRun)) {
      yield* writeTree(args.dryRun.value, tree)
      yield* Console.log(`Wrote ${tree.length} files to ${args.dryRun.value} (the tree a publish would commit):\n${tree.map((f) => `  ${f.path}  ${f.bytes.length} B`).join("\n")}`)
      return
    }
    const endpoint = Option.getOrUndefined(args.endpoint) ?? spec.publish.endpoint
    const result = yield* publishTree(tree, {
      repo: repo!,
      private: args.private || spec.publish.private,
      revision: Option.getOrUndefined(args.revision) ?? spec.publish.revision,
      ...(endpoint ? { endpoint } : {}),
      commitTitle: `REVO-LION from ${spec.name} (spec ${session.loaded.hash.slice(0, 12)})`
    })
    yield* Console.log(
      result.commits === 0
        ? `Nothing to publish: ${result.repoUrl} already holds this tree (${result.commitUrl})`
        : `Published ${result.uploaded.length} file(s) in ${result.commits} commit(s)${result.created ? " to a new repo" : ""}: ${result.commitUrl}`
    )
  })
