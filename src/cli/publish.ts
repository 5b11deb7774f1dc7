/**
 * `revo publish`: REVO-LION as a Hugging Face dataset repo — Parquet shards, a dataset card and
 * the provenance — written to a folder (--dry-run) or committed to the Hub. The token comes from
 * HF_TOKEN only and is never printed.
 */
import { Console, Effect, Option } from "effect"
import { readSampleParquet, readSqParquet } from "../hub/parquet.ts"
import { publishTree } from "../hub/publish.ts"
import { buildRepoTree, writeTree } from "../hub/tree.ts"
import { decodeReport } from "../report/types.ts"
import { UsageError } from "./errors.ts"
import { requireResults } from "./report.ts"
import type { SpecArgs } from "./run.ts"

export interface PublishArgs extends SpecArgs {
  readonly repo: Option.Option<string>
  readonly private: boolean
  readonly revision: Option.Option<string>
  readonly endpoint: Option.Option<string>
  readonly dryRun: Option.Option<string>
}

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
    const train = yield* readSampleParquet(out("revolion/train.parquet"))
    const evalRows = yield* readSampleParquet(out("revolion/eval.parquet"))
    const sq = yield* readSqParquet(out("revolion/sq.parquet"))
    const reportJson = decodeReport(JSON.parse(out("report.json").toString("utf8")))
    const licenses = Object.fromEntries(Object.entries(spec.datasets).map(([id, d]) => [id, d.license ?? "unknown"]))
    const tree = buildRepoTree({
      train, eval: evalRows, sq,
      card: { report: reportJson, licenses, lock: out("revo.lock").toString("utf8"), ...(repo ? { repo } : {}) },
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
