/**
 * `revo plan`: before anything runs, each task as `cached` or `run`, and for `run` why: new,
 * an input changed, a parameter changed, the implementation changed, its output is damaged,
 * it failed or was interrupted last time, or it waits on an upstream task that must run.
 */
import type { Store } from "../runtime/store.ts"
import { orderedTasks } from "../runtime/graph-check.ts"
import { taskKey, type TaskSpec } from "../runtime/task.ts"
import { canonicalJson } from "../util/canonical-json.ts"

export interface PlanRow {
  readonly task: string
  readonly kind: string
  readonly status: "cached" | "run"
  readonly key?: string
  readonly reason?: string
}

/** The first differing path between two JSON values, e.g. `params.k1`. */
const firstDifference = (a: unknown, b: unknown, path: string): string | undefined => {
  if (canonicalJson(a) === canonicalJson(b)) return undefined
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k)
      if (d) return d
    }
  }
  return path || "(value)"
}

export const explainPlan = (
  tasks: ReadonlyArray<TaskSpec>,
  store: Store,
  scope: string,
  force: (label: string) => boolean = () => false
): Array<PlanRow> => {
  const outputs = new Map<string, Readonly<Record<string, { hash: string }>> | undefined>()
  const rows: Array<PlanRow> = []
  // In an order where each task follows its inputs (a cycle or a dangling input is an error naming the tasks).
  for (const task of orderedTasks(tasks)) {
    const inputHashes: Record<string, string> = {}
    let waitsOn: string | undefined
    for (const [name, ref] of Object.entries(task.inputs)) {
      const up = outputs.get(ref.task)
      const h = up?.[ref.output]?.hash
      if (h === undefined) {
        waitsOn ??= ref.task
        continue
      }
      inputHashes[name] = h
    }
    if (waitsOn !== undefined) {
      outputs.set(task.label, undefined)
      rows.push({ task: task.label, kind: task.kind, status: "run", reason: `after ${waitsOn}, which must run first` })
      continue
    }
    const key = taskKey(task, inputHashes)
    const check = store.check(key)
    if (check.done && !force(task.label)) {
      outputs.set(task.label, check.record.outputs)
      rows.push({ task: task.label, kind: task.kind, status: "cached", key })
      continue
    }
    outputs.set(task.label, undefined)
    rows.push({ task: task.label, kind: task.kind, status: "run", key, reason: reasonFor(task, inputHashes, check, store, scope, force(task.label)) })
  }
  return rows
}

const reasonFor = (task: TaskSpec, inputHashes: Record<string, string>, check: ReturnType<Store["check"]>, store: Store, scope: string, forced: boolean): string => {
  if (forced) return "forced (--force)"
  if (!check.done) {
    if (check.reason === "damaged") return `output damaged: ${check.detail}`
    if (check.reason === "failed") return `failed last time: ${(check.detail ?? "").split("\n")[0]}`
    if (check.reason === "unfinished") return "interrupted last time"
  }
  const previousKey = store.readLabel(scope, task.label)
  const previous = previousKey ? store.readRecord(previousKey) : undefined
  if (!previous) return "new"
  const changedInputs = Object.keys({ ...inputHashes, ...previous.inputs }).sort().filter((k) => inputHashes[k] !== previous.inputs[k])
  if (changedInputs.length > 0) {
    const shown = changedInputs.slice(0, 3).join(", ")
    return `input ${shown}${changedInputs.length > 3 ? ` and ${changedInputs.length - 3} more` : ""} changed`
  }
  const p = firstDifference(previous.params, task.params, "")
  if (p) return `parameter ${p} changed`
  return "implementation version changed"
}
