/** `revo verify [--store DIR] [--repair]`: re-hash everything the store holds (see runtime/verify.ts). */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { lockStore } from "../runtime/lock.ts"
import { Store } from "../runtime/store.ts"
import { verifyStore } from "../runtime/verify.ts"
import { storeDirOf } from "./run.ts"

/** Damage found and left in place (exit 1, like `git fsck`). */
export class StoreDamaged extends Schema.TaggedError<StoreDamaged>()("StoreDamaged", {
  store: Schema.String,
  problems: Schema.Number
}) {
  override get message(): string {
    return `${this.problems} problem(s) in the store ${this.store}. \`revo verify --store ${this.store} --repair\` marks the damaged tasks for recomputation; the next \`revo run\` then recomputes them.`
  }
}

export const runVerify = (args: { readonly store: Option.Option<string>; readonly repair: boolean; readonly json: boolean }) =>
  Effect.scoped(Effect.gen(function*() {
    const store = new Store(storeDirOf(args.store))
    // Repairs change the store: not while a run uses it. A read-only check needs no lock.
    if (args.repair) yield* lockStore(store.root, "revo verify --repair")
    const r = verifyStore(store, { repair: args.repair })
    if (args.json) yield* Console.log(JSON.stringify(r, null, 2))
    else {
      for (const f of r.findings) yield* Console.log(`${f.kind.padEnd(17)} ${f.task !== undefined ? `${f.task} output ${f.output}: ` : ""}${f.detail}  (${f.path})`)
      for (const line of r.repaired) yield* Console.log(`repaired: ${line}`)
      yield* Console.log(
        `Checked ${r.records} task records (${r.done} done), ${r.objects} objects (${(r.bytes / 1e6).toFixed(1)} MB re-hashed), ${r.modelCopies} model copies in ${r.seconds.toFixed(1)}s: ` +
          `${r.findings.length === 0 ? "no problems" : `${r.findings.length} problem(s)${args.repair ? ", repaired; run the same `revo run` again to recompute what was damaged" : ""}`}.`
      )
    }
    if (r.findings.length > 0 && !args.repair) return yield* new StoreDamaged({ store: store.root, problems: r.findings.length })
  }))
