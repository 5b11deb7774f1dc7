/**
 * One boundary between @huggingface/hub's promises and typed Effect failures, plus the retry
 * policy for transient answers (429, 5xx, network errors).
 */
import { HubApiError, InvalidApiResponseFormatError } from "@huggingface/hub"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { HubAuthError, HubConflictError, HubIoError, HubNotFoundError, HubRequestError, errorText, redact } from "./errors.ts"

export interface CallContext {
  /** what we were doing, for the message: "commit to org/name@main" */
  readonly operation: string
  /** the hf:// URL or repo id a not-found error names */
  readonly subject: string
  readonly token?: string | undefined
  /** for a 412: the repo and branch whose head moved */
  readonly repo?: string
  readonly branch?: string
}

export type CallError = HubAuthError | HubConflictError | HubIoError | HubNotFoundError | HubRequestError

/**
 * Run one library call with a fetch that remembers the Hub's `X-Error-Code` (the library's
 * HubApiError drops response headers, and that header is what tells a missing revision from a
 * missing repo).
 */
export const hubCall = <A>(ctx: CallContext, run: (fetchFn: typeof fetch) => Promise<A>): Effect.Effect<A, CallError> =>
  Effect.suspend(() => {
    let errorCode: string | null = null
    const tracked: typeof fetch = async (input, init) => {
      const res = await fetch(input, init)
      if (!res.ok) errorCode = res.headers.get("X-Error-Code")
      return res
    }
    return Effect.tryPromise({ try: () => run(tracked), catch: (e) => classify(ctx, e, errorCode) })
  })

const classify = (ctx: CallContext, e: unknown, errorCode: string | null): CallError => {
  const detail = redact(errorText(e), ctx.token)
  if (e instanceof HubApiError) {
    const status = e.statusCode
    if (errorCode === "RepoNotFound") {
      return new HubNotFoundError({ url: ctx.subject, what: "repo", message: `${ctx.subject}: repository not found (or private and not visible with this token)` })
    }
    if (errorCode === "RevisionNotFound") {
      return new HubNotFoundError({ url: ctx.subject, what: "revision", message: `${ctx.subject}: revision not found` })
    }
    if (errorCode === "EntryNotFound") {
      return new HubNotFoundError({ url: ctx.subject, what: "file", message: `${ctx.subject}: file not found` })
    }
    if (errorCode === "GatedRepo") {
      return new HubAuthError({ reason: "forbidden", message: `${ctx.subject}: gated repository; accept its terms on the Hub and use a token of that account` })
    }
    if (status === 401) {
      return ctx.token === undefined
        ? new HubAuthError({ reason: "missing", message: `${ctx.operation}: the Hub requires a token (set HF_TOKEN)` })
        : new HubAuthError({ reason: "rejected", message: `${ctx.operation}: the Hub rejected the token in HF_TOKEN (401: invalid or expired)` })
    }
    if (status === 403) {
      return new HubAuthError({ reason: "forbidden", message: `${ctx.operation}: the token has no write access to ${ctx.subject} (403)` })
    }
    if (status === 412) {
      const where = `${ctx.repo ?? ctx.subject}@${ctx.branch ?? "main"}`
      return new HubConflictError({
        repo: ctx.repo ?? ctx.subject,
        branch: ctx.branch ?? "main",
        message: `${ctx.operation}: the branch moved: ${where} got a new commit while publishing; nothing was overwritten. Run publish again to commit on top of it.`
      })
    }
    return new HubRequestError({
      operation: ctx.operation,
      status,
      retryable: status === 429 || status >= 500,
      message: `${ctx.operation} failed (HTTP ${status}): ${detail}`
    })
  }
  if (e instanceof TypeError && /access token must start with/.test(e.message)) {
    return new HubAuthError({ reason: "malformed", message: "HF_TOKEN does not look like a Hugging Face token (it must start with 'hf_')." })
  }
  if (e instanceof InvalidApiResponseFormatError) {
    return new HubRequestError({ operation: ctx.operation, retryable: false, message: `${ctx.operation}: unexpected answer from the Hub: ${detail}` })
  }
  // A local file system failure while streaming to disk: retrying will not help.
  if (e instanceof Error && typeof (e as { syscall?: unknown }).syscall === "string" && typeof (e as { path?: unknown }).path === "string") {
    const path = (e as unknown as { path: string }).path
    return new HubIoError({ path, message: `${ctx.operation}: cannot write ${path}: ${detail}` })
  }
  // fetch rejects with a TypeError on refused or reset connections and DNS failures: transient.
  return new HubRequestError({ operation: ctx.operation, retryable: true, message: `${ctx.operation} failed: ${detail}${causeText(e, ctx.token)}` })
}

const causeText = (e: unknown, token: string | undefined): string =>
  e instanceof Error && e.cause !== undefined ? ` (${redact(errorText(e.cause), token)})` : ""

export interface RetryPolicy {
  /** first delay; each next one doubles (with jitter) */
  readonly baseDelay: Duration.Input
  /** retries after the first attempt */
  readonly times: number
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelay: "1 second", times: 6 }

const retryable = (e: CallError): boolean => e._tag === "HubRequestError" && e.retryable

/** Retry 429, 5xx and network failures with exponential backoff; everything else fails at once. */
export const withRetry = (policy: RetryPolicy) =>
  <A, E extends CallError>(self: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    self.pipe(
      Effect.tapError((e) => (retryable(e) ? Effect.logWarning(`${e.message}; retrying`) : Effect.void)),
      Effect.retry({
        schedule: Schedule.exponential(policy.baseDelay).pipe(Schedule.jittered),
        times: policy.times,
        while: retryable
      })
    )
