import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { explainPlan } from "../plan/explain.ts"
import { globMatcher } from "../runtime/task.ts"
import { openSession, type SpecArgs } from "./run.ts"

export const runPlan = (args: SpecArgs & { readonly json: boolean; readonly force?: ReadonlyArray<string> }) =>
  Effect.gen(function*() {
    const session = yield* openSession(args, { checkData: true })
    const forced = (args.force ?? []).map(globMatcher)
    const rows = explainPlan(session.tasks, session.store, session.loaded.spec.name, (l) => forced.some((m) => m(l)))
    const toRun = rows.filter((r) => r.status === "run").length
    if (args.json) {
      yield* Console.log(JSON.stringify({ spec: args.spec, spec_sha256: session.loaded.hash, tasks: rows, cached: rows.length - toRun, run: toRun }, null, 2))
      return
    }
    const width = Math.max(...rows.map((r) => r.task.length))
    for (const r of rows) yield* Console.log(`${r.status.padEnd(6)} ${r.task.padEnd(width)}${r.reason ? `  ${r.reason}` : ""}`)
    yield* Console.log(`\n${rows.length} tasks: ${rows.length - toRun} cached, ${toRun} to run`)
  })
