// The task metrics of a Scorer: per-item values in columns, corpus values as the mean of
// items, and yes_no's confusion counts for the POPE script's precision, recall, F1 and
// yes-ratio. Each item is judged alone (task.ts), so no value depends on the others.

import { Column } from "./id-metrics.ts"
import { choiceLetter, choiceReference, exactMatch, popeSaysYes, vqaAccuracy, YesNoCounts, yesNoLabel } from "./task.ts"
import { TASK_METRICS, type MetricName, type TaskMetric } from "../spec/metric-names.ts"
import type { ScoreItem } from "./score-item.ts"

const judge: Readonly<Record<Exclude<TaskMetric, "yes_no">, (item: ScoreItem) => number>> = {
  vqa_accuracy: (it) => vqaAccuracy(it.candidate, it.references),
  exact_match: (it) => exactMatch(it.candidate, it.references),
  choice: (it) => {
    const want = choiceReference(it.id, it.references)
    return choiceLetter(it.candidate) === want ? 1 : 0
  },
}

export class TaskScores {
  private readonly cols: ReadonlyArray<readonly [TaskMetric, Column]>
  private readonly yesNo: YesNoCounts | undefined

  private constructor(metrics: ReadonlyArray<TaskMetric>) {
    this.cols = metrics.map((m) => [m, new Column()] as const)
    this.yesNo = metrics.includes("yes_no") ? new YesNoCounts() : undefined
  }

  /** The task metrics among `metrics`, or undefined when there are none. */
  static for(metrics: ReadonlyArray<MetricName>): TaskScores | undefined {
    const task = TASK_METRICS.filter((m) => metrics.includes(m))
    return task.length > 0 ? new TaskScores(task) : undefined
  }

  /** Judge one item by every task metric; throws (RangeError) on a label the metric cannot
   * read, before any column has grown, so the columns stay aligned. */
  add(item: ScoreItem): void {
    const values: Array<number> = []
    let yes: readonly [boolean, boolean] | undefined
    for (const [m] of this.cols) {
      if (m === "yes_no") {
        yes = [popeSaysYes(item.candidate), yesNoLabel(item.id, item.references)]
        values.push(yes[0] === yes[1] ? 1 : 0)
      } else values.push(judge[m](item))
    }
    this.cols.forEach(([, c], k) => c.push(values[k] as number))
    if (yes !== undefined) this.yesNo?.add(yes[0], yes[1])
  }

  columns(): ReadonlyArray<readonly [TaskMetric, Float64Array]> {
    return this.cols.map(([m, c]) => [m, c.values()] as const)
  }

  /** Mean of each column (0 for no items); yes_no's extras from its counts. */
  corpus(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [m, c] of this.cols) {
      const v = c.values()
      let sum = 0
      for (let i = 0; i < v.length; i++) sum += v[i] as number
      out[m] = v.length === 0 ? 0 : sum / v.length
    }
    if (this.yesNo !== undefined) {
      const s = this.yesNo.summary()
      out["yes_no_precision"] = s.precision
      out["yes_no_recall"] = s.recall
      out["yes_no_f1"] = s.f1
      out["yes_no_yes_ratio"] = s.yes_ratio
    }
    return out
  }
}
