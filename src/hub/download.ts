/**
 * Hub sources: `hf://datasets/ORG/NAME@REVISION/PATH` -> a local file, downloaded once with
 * @huggingface/hub into a cache keyed by repo, revision and path.
 *
 * Cache layout under the cache dir:
 *   datasets/ORG/NAME/<revision, URI-encoded>/files/<PATH>       the bytes
 *   datasets/ORG/NAME/<revision, URI-encoded>/meta/<PATH>.json   size, etag, hf:// URL
 * A file counts as cached only when its meta exists and the sizes agree (both are renamed into
 * place after a complete download). A branch name is cached as first seen: pin a commit sha for
 * reproducible inputs, or pass `refresh: true`.
 */
import { createHash } from "node:crypto"
import { createWriteStream, existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Readable, Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import { downloadFile, fileDownloadInfo } from "@huggingface/hub"
import * as Effect from "effect/Effect"
import { endpointFrom, tokenFromEnv } from "./endpoint.ts"
import { HubIoError, HubNotFoundError, HubUrlError, errorText, type HubError } from "./errors.ts"
import { DEFAULT_RETRY, hubCall, withRetry, type RetryPolicy } from "./http.ts"

export { endpointFrom } from "./endpoint.ts"

export interface HubRef {
  /** the URL as given */
  readonly url: string
  readonly type: "dataset"
  /** ORG/NAME */
  readonly repo: string
  /** branch, tag or commit sha; "main" when the URL names none */
  readonly revision: string
  /** path inside the repo, no leading slash */
  readonly path: string
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export const isHubUrl = (s: string): boolean => s.startsWith("hf://")

/**
 * Parse `hf://datasets/ORG/NAME[@REVISION]/PATH`. A revision that contains `/` (refs/convert/parquet)
 * is written URI-encoded (`@refs%2Fconvert%2Fparquet`), as huggingface_hub's hf:// paths do.
 */
export const parseHubUrlSync = (url: string): HubRef | HubUrlError => {
  const bad = (why: string) => new HubUrlError({ url, message: `${url}: ${why} (expected hf://datasets/ORG/NAME@REVISION/PATH)` })
  if (!url.startsWith("hf://")) return bad("not a hf:// URL")
  const rest = url.slice("hf://".length)
  const [kind, org, nameRev, ...pathParts] = rest.split("/")
  if (kind !== "datasets") return bad(kind === "models" || kind === "spaces" ? "only dataset repos are supported" : "missing the 'datasets/' prefix")
  if (org === undefined || !NAME.test(org)) return bad("missing or invalid organisation")
  if (nameRev === undefined || nameRev === "") return bad("missing the repo name")
  const at = nameRev.indexOf("@")
  const name = at < 0 ? nameRev : nameRev.slice(0, at)
  if (!NAME.test(name) || name.endsWith(".git")) return bad(`invalid repo name '${name}'`)
  let revision = "main"
  if (at >= 0) {
    try {
      revision = decodeURIComponent(nameRev.slice(at + 1))
    } catch {
      return bad("the revision is not valid URI encoding")
    }
    if (revision === "" || /[\s~^:?*[\\]|\.\.|\/\/|^\/|\/$/.test(revision)) return bad(`invalid revision '${revision}'`)
  }
  const path = pathParts.join("/")
  if (path === "") return bad("missing the file path")
  if (pathParts.some((p) => p === "" || p === "." || p === "..")) return bad(`invalid file path '${path}'`)
  return { url, type: "dataset", repo: `${org}/${name}`, revision, path }
}

export const parseHubUrl = (url: string): Effect.Effect<HubRef, HubUrlError> => {
  const r = parseHubUrlSync(url)
  return r instanceof HubUrlError ? Effect.fail(r) : Effect.succeed(r)
}

export const formatHubUrl = (ref: Pick<HubRef, "repo" | "revision" | "path">): string =>
  `hf://datasets/${ref.repo}@${encodeURIComponent(ref.revision)}/${ref.path}`

export interface DownloadOptions {
  /** Hub URL; else HF_ENDPOINT, else https://huggingface.co */
  readonly endpoint?: string | undefined
  /** else HF_TOKEN (optional for public repos) */
  readonly token?: string | undefined
  /** else $REVO_CACHE_DIR/hub, else <cwd>/.cache/revo/hub */
  readonly cacheDir?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>>
  /** download again even when cached */
  readonly refresh?: boolean
  readonly retry?: RetryPolicy
}

export interface HubFile {
  readonly ref: HubRef
  /** absolute local path */
  readonly localPath: string
  readonly size: number
  readonly etag: string
  /** true when no request was made */
  readonly cached: boolean
}

export const hubCacheDir = (opts: Pick<DownloadOptions, "cacheDir" | "env"> = {}): string => {
  const env = opts.env ?? process.env
  if (opts.cacheDir !== undefined) return nodePath.resolve(opts.cacheDir)
  if (env.REVO_CACHE_DIR !== undefined && env.REVO_CACHE_DIR !== "") return nodePath.resolve(env.REVO_CACHE_DIR, "hub")
  return nodePath.resolve(process.cwd(), ".cache", "revo", "hub")
}

export const cachePaths = (ref: HubRef, cacheDir: string): { file: string; meta: string } => {
  const base = nodePath.join(cacheDir, "datasets", ...ref.repo.split("/"), encodeURIComponent(ref.revision))
  return { file: nodePath.join(base, "files", ...ref.path.split("/")), meta: nodePath.join(base, "meta", ...ref.path.split("/")) + ".json" }
}

interface Meta { readonly url: string; readonly size: number; readonly etag: string }

const readMeta = async (metaPath: string, filePath: string): Promise<Meta | undefined> => {
  try {
    const meta = JSON.parse(await fs.readFile(metaPath, "utf8")) as Meta
    const st = await fs.stat(filePath)
    return st.size === meta.size ? meta : undefined
  } catch {
    return undefined
  }
}

/** Write via a temp file in the same folder, fsync, rename: a reader never sees half a file. */
const atomicWrite = async (dest: string, write: (tmp: string) => Promise<void>): Promise<void> => {
  await fs.mkdir(nodePath.dirname(dest), { recursive: true })
  const tmp = `${dest}.tmp-${process.pid}-${Date.now().toString(36)}`
  try {
    await write(tmp)
    const fh = await fs.open(tmp, "r")
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
    await fs.rename(tmp, dest)
  } catch (e) {
    await fs.rm(tmp, { force: true })
    throw e
  }
}

/** Download (or find in the cache) the file a hf:// URL names. */
export const downloadHubFile = (source: string | HubRef, opts: DownloadOptions = {}): Effect.Effect<HubFile, HubError> =>
  Effect.gen(function*() {
    const ref = typeof source === "string" ? yield* parseHubUrl(source) : source
    const env = opts.env ?? process.env
    const hubUrl = endpointFrom({ endpoint: opts.endpoint, env })
    const token = opts.token ?? tokenFromEnv(env)
    const { file, meta } = cachePaths(ref, hubCacheDir(opts))

    if (opts.refresh !== true) {
      const hit = yield* Effect.promise(() => readMeta(meta, file))
      if (hit) return { ref, localPath: file, size: hit.size, etag: hit.etag, cached: true }
    }

    const ctx = { operation: `download ${ref.url}`, subject: ref.url, token }
    const repo = { type: "dataset" as const, name: ref.repo }
    const credentials = token === undefined ? {} : { accessToken: token }
    const retry = withRetry(opts.retry ?? DEFAULT_RETRY)

    const info = yield* hubCall(ctx, (f) => fileDownloadInfo({ repo, path: ref.path, revision: ref.revision, hubUrl, fetch: f, ...credentials })).pipe(retry)
    if (info === null) {
      return yield* new HubNotFoundError({ url: ref.url, what: "file", message: `${ref.url}: file not found in ${ref.repo}@${ref.revision}` })
    }
    const etag = info.etag.replace(/^W\//, "").replace(/"/g, "")
    yield* Effect.logDebug(`downloading ${ref.url} (${info.size} bytes)`)

    const fetchInto = hubCall(ctx, async (f) => {
      const blob = await downloadFile({ repo, path: ref.path, revision: ref.revision, hubUrl, fetch: f, downloadInfo: info, ...credentials })
      if (blob === null) throw new Error("the file disappeared between two requests")
      // LFS files carry their sha256 as ETag: check it while streaming.
      const expectSha = info.xet === undefined && /^[0-9a-f]{64}$/.test(etag) ? etag : undefined
      const hash = createHash("sha256")
      let bytes = 0
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length
          if (expectSha !== undefined) hash.update(chunk)
          done(null, chunk)
        }
      })
      await atomicWrite(file, async (tmp) => {
        await pipeline(Readable.fromWeb(blob.stream() as import("node:stream/web").ReadableStream), count, createWriteStream(tmp))
        if (bytes !== info.size) throw new Error(`got ${bytes} of ${info.size} bytes`)
        if (expectSha !== undefined && hash.digest("hex") !== expectSha) throw new Error("sha256 of the downloaded bytes does not match the Hub's")
      })
    })
    yield* fetchInto.pipe(retry)

    const metaValue: Meta = { url: ref.url, size: info.size, etag }
    yield* Effect.tryPromise({
      try: () => atomicWrite(meta, (tmp) => fs.writeFile(tmp, JSON.stringify(metaValue) + "\n")),
      catch: (e) => new HubIoError({ path: meta, message: `cannot write the cache entry ${meta}: ${errorText(e)}` })
    })
    return { ref, localPath: file, size: info.size, etag, cached: false }
  }).pipe(Effect.withLogSpan("hub.download"))

/** The local path of the file a hf:// URL names, downloaded when not cached. */
export const resolveHubFile = (url: string, opts: DownloadOptions = {}): Effect.Effect<string, HubError> =>
  downloadHubFile(url, opts).pipe(Effect.map((f) => f.localPath))


/** Whether an hf:// file is already in the download cache (nothing is fetched; a bad URL is not cached). */
export const isCached = (url: string, opts: Pick<DownloadOptions, "cacheDir" | "env"> = {}): boolean => {
  const ref = parseHubUrlSync(url)
  return !(ref instanceof HubUrlError) && existsSync(cachePaths(ref, hubCacheDir(opts)).file)
}
