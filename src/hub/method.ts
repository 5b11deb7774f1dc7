/**
 * The method as words: MQ, DQ, SQ, REVO-LION's train and eval sets, and what the `sq` config
 * holds. One source for the dataset card and docs/spec.md ("How the numbers are defined"): a
 * test holds docs/spec.md to `methodDocs()`, so the card and the docs cannot drift apart.
 */

export interface MethodSettings {
  readonly metrics: ReadonlyArray<string>
  readonly dq?: { readonly normalize: string; readonly include_self: boolean } | undefined
  readonly sq?: { readonly normalize: string; readonly crossfit: number; readonly exclude_same_image?: boolean | undefined } | undefined
  readonly budget: number
  /** REVO-LION eval items chosen, and the eval-split items they were chosen from (all sources) */
  readonly evalChosen?: number
  readonly evalSplit?: number
}

export const MQ_TEXT =
  "**MQ** of a tune set T on an eval set E: the mean of the configured metrics, each computed corpus-level over E's eval items " +
  "(one item per turn of a conversation). The **sample-level MQ_T(x)** of a model T on a sample x is the mean of the same metrics' " +
  "per-item values, averaged over x's turns."

export const DQ_TEXT: Readonly<Record<string, string>> = {
  in_domain: "**DQ** of a dataset T: the mean over the other datasets E of MQ(T→E) / MQ(E→E), each eval set's in-domain model as its yardstick.",
  none: "**DQ** of a dataset T: the mean over the other datasets E of MQ(T→E), not normalised."
}

/** One sentence per `quality.sq.normalize` value; every value the spec accepts must have one (a test checks). */
export const SQ_TEXT: Readonly<Record<string, string>> = {
  rank: "SQ(x) = the mean over the models T tuned on other datasets of the mid-rank percentile of MQ_T(x) among the samples of D's " +
    "same part (train or eval) that T scored, ties averaged — (#below + #equal / 2) / n, in (0, 1): robust where a model's scores are mostly zero.",
  ratio: "SQ(x) = the mean over the models T tuned on other datasets of MQ_T(x) / mean_x' MQ_T(x') over D's samples of the same part; " +
    "a model whose mean on D is below `min_signal.mean`, or whose share of items above that floor is below `min_signal.nonzero`, has no signal to divide by and is left out.",
  zscore: "SQ(x) = the mean over the models T tuned on other datasets of (MQ_T(x) − mean) / standard deviation of MQ_T over D's samples of the same part, " +
    "with the same `min_signal` floor (and a standard deviation above 0)."
}

export const SQ_COMMON =
  "Models tuned on other datasets never saw x, so every sample can be scored without leakage. With `crossfit: K`, K fold models tuned " +
  "on D itself (folds grouped by image) also score x, out of fold."

export const SAME_IMAGE_TEXT = "With `exclude_same_image`, a model whose train split holds x's image does not score x."

const pct = (x: number): string => `${Math.round(x * 100)}%`

/** The method section's bullet points for one run's settings. Throws on a setting it cannot describe. */
export const methodLines = (s: MethodSettings): Array<string> => {
  const sqNorm = s.sq?.normalize ?? "rank"
  const sq = SQ_TEXT[sqNorm]
  if (sq === undefined) throw new Error(`the card cannot describe quality.sq.normalize: ${sqNorm} (add it to src/hub/method.ts)`)
  const dqNorm = s.dq?.normalize ?? "in_domain"
  const dq = DQ_TEXT[dqNorm]
  if (dq === undefined) throw new Error(`the card cannot describe quality.dq.normalize: ${dqNorm} (add it to src/hub/method.ts)`)
  return [
    `- ${MQ_TEXT} Metrics here: ${s.metrics.join(", ")}.`,
    `- ${dq}${s.dq?.include_self ? " The dataset's own eval set is included." : ""}`,
    `- **SQ** of a sample x of dataset D (normalize: ${sqNorm}${s.sq && s.sq.crossfit > 0 ? `, crossfit: ${s.sq.crossfit}` : ""}): ${sq} ${SQ_COMMON}` +
      (s.sq?.exclude_same_image === true ? ` ${SAME_IMAGE_TEXT}` : ""),
    `- **REVO-LION train** (split \`train\`): the top ${pct(s.budget)} of each dataset's train split by SQ, so no dataset crowds out another. ` +
      "It is chosen by SQ as measured here; \"top by SQ\" means the samples the other datasets' models answered best, not samples known to teach best.",
    "- **REVO-LION eval** (split `eval`): the top of each dataset's eval split by the same SQ, with no image shared with any train split" +
      (s.evalChosen !== undefined && s.evalSplit !== undefined && s.evalSplit > 0 ? ` (here ${s.evalChosen} of ${s.evalSplit} eval-split items, ${pct(s.evalChosen / s.evalSplit)})` : "") + ". " +
      "Being the items other models already answer best, it is an easy set for models like these, and it cannot judge REVO-LION itself.",
    "- **`sq` config**: the SQ of *every* train-split sample of each source, published or not; `per_model[].value` is the raw sample-level " +
      "MQ_T(x) of each other-dataset model, before normalisation, so other selections can be rebuilt from it."
  ]
}

/** The block docs/spec.md carries under "How the numbers are defined" (kept equal by test/hub/method-docs.test.ts). */
export const methodDocs = (): string => [
  `- ${MQ_TEXT}`,
  ...Object.entries(DQ_TEXT).map(([k, v]) => `- \`quality.dq.normalize: ${k}\`: ${v}`),
  ...Object.entries(SQ_TEXT).map(([k, v]) => `- \`quality.sq.normalize: ${k}\`: ${v}`),
  `- ${SQ_COMMON} ${SAME_IMAGE_TEXT}`
].join("\n")
