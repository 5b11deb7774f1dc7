// The one definition of `revo score`'s flags: names, descriptions, defaults and the checks
// of their values. The fast direct path (bin/revo.js → score.ts, no CLI framework) parses
// argv with it, and the effect/cli command (score-command.ts, for --help and the framework's
// own options) is built from it, so the two cannot drift. Plain (no Effect): loaded at start-up.

import { ALL_METRICS, DEFAULT_METRICS, isMetricName, unknownMetricMessage, type MetricName } from "../spec/metric-names.ts"

export interface ScoreArgs {
  readonly input: string // path, or "-" for standard input
  readonly metrics: ReadonlyArray<MetricName>
  readonly output?: string // standard output when absent
  readonly wordnet?: "3.0" | "3.1"
  /** Score every line even when an id repeats (default: a repeated id is an error). */
  readonly allowDuplicateIds?: boolean
}

export const WORDNET_VERSIONS = ["3.0", "3.1"] as const

/** The flags: each takes one value, except the switches (`switch: true`). */
export const SCORE_FLAGS = {
  input: { description: "JSON Lines of {id, candidate, references[]}; - reads standard input" },
  metrics: { description: `Comma-separated metric names: ${ALL_METRICS.join(" ")}`, default: DEFAULT_METRICS.join(",") },
  output: { description: "Write JSON here instead of standard output" },
  wordnet: { description: "WordNet version for METEOR's synonym stage", choices: WORDNET_VERSIONS, default: "3.0" },
  "allow-duplicate-ids": { description: "Score every line even when an id repeats (default: a repeated id is an error)", switch: true },
} as const

export const SCORE_DESCRIPTION = "Score candidate/reference pairs with the caption and task metrics"

/** Check the flags' values (both paths): the metric list, the WordNet version. */
export const checkScoreArgs = (raw: {
  readonly input: string; readonly metrics: string; readonly output?: string | undefined; readonly wordnet: string; readonly allowDuplicateIds: boolean
}): ScoreArgs | string => {
  const names = raw.metrics.split(",").map((s) => s.trim()).filter((s) => s !== "")
  if (names.length === 0) return `--metrics: no metric given; known metrics: ${ALL_METRICS.join(", ")}`
  const bad = names.find((n) => !isMetricName(n))
  if (bad !== undefined) return `--metrics: ${unknownMetricMessage(bad)}`
  if (!(WORDNET_VERSIONS as ReadonlyArray<string>).includes(raw.wordnet)) return `--wordnet must be ${WORDNET_VERSIONS.join(" or ")}, got ${raw.wordnet}`
  return {
    input: raw.input,
    metrics: names as Array<MetricName>,
    ...(raw.output !== undefined ? { output: raw.output } : {}),
    wordnet: raw.wordnet as "3.0" | "3.1",
    ...(raw.allowDuplicateIds ? { allowDuplicateIds: true } : {}),
  }
}

/**
 * Parse argv for the direct path: `--flag value` or `--flag=value` for the flags above.
 * Anything else (--help, the CLI framework's own options, an unknown flag) returns
 * "framework": the caller hands the command line to the full CLI, which owns those.
 */
export const parseScoreArgs = (argv: ReadonlyArray<string>): ScoreArgs | string | "framework" => {
  const given: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const eq = a.indexOf("=")
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.startsWith("--") ? a.slice(2) : "", undefined]
    if (!Object.hasOwn(SCORE_FLAGS, flag)) return "framework"
    if ("switch" in SCORE_FLAGS[flag as keyof typeof SCORE_FLAGS]) {
      if (inline !== undefined) return "framework" // --switch=value: the framework's syntax
      given[flag] = "true"
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) return `--${flag} needs a value`
    given[flag] = value
  }
  if (given["input"] === undefined) return "--input is required (a path, or - for standard input)"
  return checkScoreArgs({
    input: given["input"],
    metrics: given["metrics"] ?? SCORE_FLAGS.metrics.default,
    output: given["output"],
    wordnet: given["wordnet"] ?? SCORE_FLAGS.wordnet.default,
    allowDuplicateIds: given["allow-duplicate-ids"] === "true",
  })
}
