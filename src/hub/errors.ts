/**
 * Typed failures of everything that talks to the Hub or writes Parquet. Each carries a readable
 * `message` that never contains the access token (see `redact`).
 */
import { redact as maskSecrets } from "../util/redact.ts"
import * as Schema from "effect/Schema"

/** A `hf://` URL that does not parse. */
export class HubUrlError extends Schema.TaggedError<HubUrlError>()("HubUrlError", {
  url: Schema.String,
  message: Schema.String
}) {}

/** The repo, the revision or the file does not exist (or is private and the token cannot see it). */
export class HubNotFoundError extends Schema.TaggedError<HubNotFoundError>()("HubNotFoundError", {
  url: Schema.String,
  what: Schema.Literals(["repo", "revision", "file"]),
  message: Schema.String
}) {}

/** No token, a malformed one, or one the Hub rejected. */
export class HubAuthError extends Schema.TaggedError<HubAuthError>()("HubAuthError", {
  reason: Schema.Literals(["missing", "malformed", "rejected", "forbidden"]),
  message: Schema.String
}) {}

/** The branch head changed between reading it and committing (HTTP 412 on a parentCommit). */
export class HubConflictError extends Schema.TaggedError<HubConflictError>()("HubConflictError", {
  repo: Schema.String,
  branch: Schema.String,
  message: Schema.String
}) {}

/** Any other failed request; `retryable` for 429, 5xx and network failures. */
export class HubRequestError extends Schema.TaggedError<HubRequestError>()("HubRequestError", {
  operation: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  retryable: Schema.Boolean,
  message: Schema.String
}) {}

/** A local file could not be read or written (cache, dry-run tree, Parquet). */
export class HubIoError extends Schema.TaggedError<HubIoError>()("HubIoError", {
  path: Schema.String,
  message: Schema.String
}) {}

export class ParquetError extends Schema.TaggedError<ParquetError>()("ParquetError", {
  path: Schema.String,
  message: Schema.String
}) {}

export type HubError = HubUrlError | HubNotFoundError | HubAuthError | HubConflictError | HubRequestError | HubIoError

/**
 * Remove the token (and anything that looks like an HF token) from text bound for a message or a
 * log line. The library's own messages carry only URLs, but a server may echo headers back.
 */
export const redact = (text: string, token?: string): string =>
  maskSecrets(text, token !== undefined && token.length > 0 ? [token] : [], "hf_***")

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))
