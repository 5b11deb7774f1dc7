/**
 * The task graph's shape, checked before anything reads it in order (`revo plan`'s explanation
 * walks the tasks in order, the runner waits on each input's task): every label once, every
 * input naming a task of the graph, no cycle. It only checks and orders; what tasks do is not
 * its business.
 */
import * as Schema from "effect/Schema"
import type { OutputRef } from "./task.ts"

export class TaskGraphError extends Schema.TaggedError<TaskGraphError>()("TaskGraphError", {
  message: Schema.String
}) {}

/**
 * The tasks with every task after the tasks it reads (the given order wherever it already is so).
 * Throws a TaskGraphError naming the tasks involved: a duplicate label, an input naming no task
 * (which task, which input, which name), or a cycle (the whole loop).
 */
export const orderedTasks = <T extends { readonly label: string; readonly inputs: Readonly<Record<string, OutputRef>> }>(tasks: ReadonlyArray<T>): Array<T> => {
  const byLabel = new Map<string, T>()
  for (const t of tasks) {
    if (byLabel.has(t.label)) throw new TaskGraphError({ message: `task graph: two tasks are labelled ${t.label}` })
    byLabel.set(t.label, t)
  }
  const out: Array<T> = []
  const state = new Map<string, "open" | "done">()
  const visit = (t: T, path: ReadonlyArray<string>): void => {
    const s = state.get(t.label)
    if (s === "done") return
    if (s === "open") {
      const loop = [...path.slice(path.indexOf(t.label)), t.label]
      throw new TaskGraphError({ message: `task graph: a cycle: ${loop.join(" → ")} (each reads the next one's output)` })
    }
    state.set(t.label, "open")
    for (const name of Object.keys(t.inputs).sort()) {
      const ref = t.inputs[name]!
      const up = byLabel.get(ref.task)
      if (up === undefined) throw new TaskGraphError({ message: `task graph: ${t.label} reads input ${name} from ${ref.task}, which is no task of the graph` })
      visit(up, [...path, t.label])
    }
    state.set(t.label, "done")
    out.push(t)
  }
  for (const t of tasks) visit(t, [])
  return out
}
