/**
 * What the data check before a run's tasks hands to that run's load tasks, in the same process:
 * the files it parsed (with the join indexes built from them) and the datasets it loaded, so a
 * cold run parses each data file once.
 *
 * Keyed by bytes, never by path alone: a loaded dataset is given to its load task only under the
 * key of the bytes it was parsed from (which must be the task's planned key), and a load from the
 * handed parse computes its key from that parse's own digests, which the load task compares with
 * the planned key as it does for a load from disk. So a file edited after the check is never
 * stored under the key of other bytes. It must not outlive the loads: once every load task has
 * run or was found in the store, everything is dropped (the parse is the run's largest object).
 */
import type { JoinIndexCache } from "./joins.ts"
import type { LoadedDataset } from "./load.ts"
import type { ParseCache } from "./read.ts"

export class LoadHandoff {
  private parse: { readonly cache: ParseCache; readonly joinIndexes: JoinIndexCache } | undefined
  private readonly loaded: Map<string, LoadedDataset>
  private readonly pending: Set<string>

  /** `datasets`: every dataset a load task will be planned for (the handoff lives until each is released). */
  constructor(datasets: Iterable<string>, parse: { readonly cache: ParseCache; readonly joinIndexes: JoinIndexCache }, loaded: Iterable<LoadedDataset>) {
    this.pending = new Set(datasets)
    this.parse = parse
    this.loaded = new Map([...loaded].map((d) => [d.id, d]))
    if (this.pending.size === 0) this.drop()
  }

  /** The dataset the check loaded, if it was loaded from bytes with exactly this key (taken once). */
  take(id: string, key: string): LoadedDataset | undefined {
    const d = this.loaded.get(id)
    this.loaded.delete(id)
    return d !== undefined && d.key === key ? d : undefined
  }

  /** The check's parse, for a load that was not handed its dataset (it keys what it parsed). */
  context(): { readonly cache?: ParseCache; readonly joinIndexes?: JoinIndexCache } {
    return this.parse ?? {}
  }

  /** This dataset's load is over (run, failed, or found in the store): the last one drops everything. */
  release(id: string): void {
    this.loaded.delete(id)
    this.pending.delete(id)
    if (this.pending.size === 0) this.drop()
  }

  private drop(): void {
    this.parse = undefined
    this.loaded.clear()
  }
}
