import { Schema } from "effect"

/** A command whose issue has not landed yet: it says so instead of pretending (exit 2). */
export class NotYetAvailable extends Schema.TaggedError<NotYetAvailable>()("NotYetAvailable", {
  command: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `revo ${this.command} is not available yet: ${this.detail}`
  }
}

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
