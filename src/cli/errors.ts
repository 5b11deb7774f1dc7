import * as Schema from "effect/Schema"

/** Bad command-line input that the flag parser cannot see (exit 2). */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  message: Schema.String
}) {}

/** Some tasks failed; the rest of the run completed (exit 1). */
export class TasksFailed extends Schema.TaggedError<TasksFailed>()("TasksFailed", {
  failures: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `${this.failures.length} task(s) failed:\n${this.failures.map((f) => `  - ${f}`).join("\n")}`
  }
}
