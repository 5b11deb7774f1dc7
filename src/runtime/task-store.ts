/**
 * The task store as a service: what the runner (run-graph.ts) and the commands that read or
 * write results (`revo run`, `plan`, `report`, `publish`) take from their context, provided once
 * per command from its --store flag (src/cli/main.ts). Tests provide a store in a temp folder.
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { storageEffect, type StoreUnwritable } from "./storage-effect.ts"
import { Store } from "./store.ts"

export class TaskStore extends Context.Service<TaskStore, Store>()("revo/runtime/TaskStore") {
  /** The store at `root` (created on the first write); a folder that refuses writes fails as StoreUnwritable. */
  static readonly layer = (root: string): Layer.Layer<TaskStore, StoreUnwritable> => Layer.effect(TaskStore, storageEffect(root, () => new Store(root)))
}
