/**
 * The task store as a service: what the runner (run-graph.ts) and the commands that read or
 * write results (`revo run`, `plan`, `report`, `publish`) take from their context, provided once
 * per command from its --store flag (src/cli/main.ts). Tests provide a store in a temp folder.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { storageEffect, type StoreUnwritable } from "./storage-effect.ts"
import { Store } from "./store.ts"

export interface TaskStoreShape {
  readonly root: string
  /**
   * The store, created (its folders made) on first use and the same one after: a command that
   * stops at a spec error leaves no store behind. A folder that refuses writes fails as StoreUnwritable.
   */
  readonly open: Effect.Effect<Store, StoreUnwritable>
}

export class TaskStore extends Context.Service<TaskStore, TaskStoreShape>()("revo/runtime/TaskStore") {
  /** The store at `root`. */
  static readonly layer = (root: string): Layer.Layer<TaskStore> =>
    Layer.effect(TaskStore, Effect.map(Effect.cached(storageEffect(root, () => new Store(root))), (open) => TaskStore.of({ root, open })))
}
