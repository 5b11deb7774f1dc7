/**
 * The runtime services a command takes from its context, made from its flags. src/cli/main.ts
 * provides them once, to the commands that read or write the task store (`run`, `plan`,
 * `report`, `publish`); this module loads with those commands, not at start-up.
 */
import * as Option from "effect/Option"
import type * as Layer from "effect/Layer"
import { TaskStore } from "../runtime/task-store.ts"
import { storeDirFrom } from "./run-common.ts"

/** The store of a command's --store flag (absent: results/.revo under the current folder). */
export const storeLayer = (flag: Option.Option<string>): Layer.Layer<TaskStore> =>
  TaskStore.layer(storeDirFrom(Option.getOrUndefined(flag)))
