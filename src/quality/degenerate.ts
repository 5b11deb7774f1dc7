/**
 * Degenerate predictions (DESIGN.md section 1): a model that answers (nearly) the same string to
 * every item of an eval set tells nothing about data quality there (observed: the retrieval backend
 * answering one caption to every COCO item, chosen by tie-breaking). Such a cell is flagged, and
 * by default left out of DQ, SQ and the proof's headline.
 *
 * Rule, on one (model, eval set) cell:
 * - fewer distinct answers than `min_distinct`, capped at the number of distinct references (a
 *   yes/no eval set has two possible answers, so two distinct answers are all one can ask), or
 * - the most common answer covers more than half of the items; where the references themselves are
 *   concentrated (closed answer sets such as POPE's yes/no), the bar is halfway between the most
 *   common reference's share and 1, so a balanced yes/no model is not flagged for answering "yes"
 *   55% of the time while one that says "yes" to everything is.
 * This module only judges; it must not decide what is left out (the plan does, with keep_degenerate).
 */
export interface Degeneracy {
  readonly items: number
  readonly distinct: number
  /** the most common answer and its share of the items */
  readonly top_answer: string
  readonly top_share: number
  /** why the cell is degenerate */
  readonly reason: string
}

const counts = (xs: ReadonlyArray<string>): Map<string, number> => {
  const m = new Map<string, number>()
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1)
  return m
}

const top = (m: ReadonlyMap<string, number>): [string, number] => {
  let best: [string, number] = ["", 0]
  // ties go to the smaller string, so the reported answer does not depend on item order
  for (const [k, v] of m) if (v > best[1] || (v === best[1] && k < best[0])) best = [k, v]
  return best
}

/**
 * The degeneracy of one cell, or null when it is not degenerate.
 * `answers`: the model's answer per item; `references`: each item's first reference (same order).
 */
export const degeneracyOf = (
  answers: ReadonlyArray<string>,
  references: ReadonlyArray<string>,
  minDistinct: number
): Degeneracy | null => {
  const n = answers.length
  if (n === 0) return null
  const a = counts(answers.map((x) => x.trim().toLowerCase()))
  const r = counts(references.map((x) => x.trim().toLowerCase()))
  const [topAnswer, topCount] = top(a)
  const topShare = topCount / n
  const refTopShare = references.length > 0 ? top(r)[1] / references.length : 0
  const needDistinct = Math.min(minDistinct, Math.max(1, r.size), n)
  const shareBar = refTopShare > 0.5 || r.size < minDistinct ? Math.max(0.5, (1 + refTopShare) / 2) : 0.5
  const reason = a.size < needDistinct
    ? `${a.size} distinct answer${a.size === 1 ? "" : "s"} (< ${needDistinct})`
    : topShare > shareBar
      ? `one answer on ${(topShare * 100).toFixed(1)}% of the items (> ${(shareBar * 100).toFixed(1)}%)`
      : null
  return reason === null ? null : { items: n, distinct: a.size, top_answer: topAnswer.slice(0, 120), top_share: topShare, reason }
}
