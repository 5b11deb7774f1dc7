import * as Schema from "effect/Schema"

export const SpecProblem = Schema.Struct({
  line: Schema.optionalKey(Schema.Number),
  col: Schema.optionalKey(Schema.Number),
  /** Dotted path in the spec, e.g. datasets.okvqa.split.eval ("" for the whole file). */
  path: Schema.String,
  message: Schema.String
})
export type SpecProblem = typeof SpecProblem.Type

/** Format one problem the way editors and terminals link it: `file:line:col path: message`. */
export const formatProblem = (file: string, p: SpecProblem): string => {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.col ?? 1}` : file
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where}: ${p.message}`
}

/** A spec that cannot be used, with every problem found (exit code 2). */
export class SpecError extends Schema.TaggedError<SpecError>()("SpecError", {
  file: Schema.String,
  problems: Schema.Array(SpecProblem)
}) {
  override get message(): string {
    return this.problems.map((p) => formatProblem(this.file, p)).join("\n")
  }
}
