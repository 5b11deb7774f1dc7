/**
 * An in-memory Hugging Face Hub on loopback, for tests: the HTTP contract that @huggingface/hub
 * 2.17.5 speaks (../shared/notes/slurm-and-hub.md, part 3), Node built-ins only.
 *
 *   const hub = await startMockHub()
 *   ... pass hubUrl: hub.url, accessToken: "hf_test" to the library ...
 *   hub.log            every request (method, path, route, status; never the token)
 *   hub.fail("commit", 500, { times: 2 })   the next 2 matching requests answer 500
 *   hub.before("preupload", () => hub.putFiles(...))   run once, before the next matching request
 *   await hub.close()
 *
 * What it does not do: Xet (it always answers LFS "basic" or "multipart"), pagination, tags, PRs.
 */
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export type RepoType = "model" | "dataset" | "space"

export type Route =
  | "whoami" | "repo-create" | "repo-delete" | "repo-info" | "preupload" | "commit" | "tree" | "commits"
  | "branch-create" | "lfs-batch" | "lfs-put" | "lfs-part" | "lfs-complete" | "resolve" | "raw" | "unknown"

export interface LoggedRequest {
  readonly method: string
  /** path and query, as requested */
  readonly path: string
  readonly route: Route
  readonly status: number
  /** whether a `Bearer hf_...` header came with it (the token itself is never kept) */
  readonly authorized: boolean
  /** for commits: `ops=N parent=<oid|none>` */
  readonly detail?: string
}

export interface MockHubOptions {
  /** Only these tokens are accepted; default: any token that starts with `hf_`. */
  readonly tokens?: ReadonlyArray<string>
  /** preupload marks files at least this big as LFS (the Hub uses 10 MiB). */
  readonly lfsThreshold?: number
  /** LFS objects at least this big get a multipart upload (default: never). */
  readonly multipartThreshold?: number
  readonly chunkSize?: number
  /** user name whoami reports */
  readonly user?: string
}

interface RegularFile { readonly kind: "regular"; readonly bytes: Buffer }
interface LfsFile { readonly kind: "lfs"; readonly oid: string; readonly size: number }
type StoredFile = RegularFile | LfsFile

interface Commit {
  readonly oid: string
  readonly parent: string | null
  readonly title: string
  readonly date: string
  readonly files: ReadonlyMap<string, StoredFile>
}

interface Repo {
  readonly type: RepoType
  readonly id: string
  readonly private: boolean
  readonly branches: Map<string, string>
  readonly commits: Map<string, Commit>
}

interface Fault { status: number; remaining: number; message: string; headers: Record<string, string> }

export interface MockHub {
  readonly url: string
  readonly log: ReadonlyArray<LoggedRequest>
  /** repo key `datasets/ns/name` (models: `ns/name`) -> files of the branch head, bytes resolved */
  files(repo: string, branch?: string): Map<string, Buffer>
  head(repo: string, branch?: string): string | undefined
  /** Create the repo if needed and commit these files to the branch, as another client would. */
  putFiles(repo: string, files: Record<string, string | Uint8Array>, opts?: { branch?: string; private?: boolean }): string
  fail(route: Route, status: number, opts?: { times?: number; message?: string; headers?: Record<string, string> }): void
  before(route: Route, hook: () => void): void
  /** Drop every pending fault and hook. */
  clearFaults(): void
  clearLog(): void
  close(): Promise<void>
}

// The Hub's default .gitattributes routes these to LFS whatever their size.
const LFS_PATTERNS = [".parquet", ".arrow", ".bin", ".safetensors", ".pt", ".pth", ".ckpt", ".h5", ".npy", ".npz", ".zip", ".gz", ".tar", ".jpg", ".png"]
const GITATTRIBUTES = LFS_PATTERNS.map((ext) => `*${ext} filter=lfs diff=lfs merge=lfs -text`).join("\n") + "\n"

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex")
const gitBlobOid = (b: Uint8Array): string =>
  createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex")
const lfsPointer = (oid: string, size: number): Buffer =>
  Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`)

/** `datasets/ns/name` | `spaces/ns/name` | `ns/name` (model) -> its type and id */
const splitRepoKey = (key: string): { type: RepoType; id: string } => {
  const m = /^(datasets|spaces|models)\/(.+)$/.exec(key)
  if (!m) return { type: "model", id: key }
  return { type: m[1] === "datasets" ? "dataset" : m[1] === "spaces" ? "space" : "model", id: m[2]! }
}
const repoKey = (type: RepoType, id: string): string => (type === "model" ? id : `${type}s/${id}`)

class HttpError extends Error {
  readonly status: number
  readonly code: string | undefined
  constructor(status: number, message: string, code?: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

export const startMockHub = async (options: MockHubOptions = {}): Promise<MockHub> => {
  const lfsThreshold = options.lfsThreshold ?? 10 * 1024 * 1024
  const multipartThreshold = options.multipartThreshold ?? Number.POSITIVE_INFINITY
  const chunkSize = options.chunkSize ?? 5 * 1024 * 1024
  const user = options.user ?? "revo-tester"
  const repos = new Map<string, Repo>()
  const lfsStore = new Map<string, Buffer>()
  const multipart = new Map<string, { size: number; parts: Map<number, Buffer> }>()
  const log: Array<LoggedRequest> = []
  const faults = new Map<Route, Array<Fault>>()
  const hooks = new Map<Route, Array<() => void>>()
  let commitCounter = 0
  let base = ""

  const tokenOk = (auth: string | undefined): boolean => {
    const m = /^Bearer (\S+)$/.exec(auth ?? "")
    if (!m || !m[1]!.startsWith("hf_")) return false
    return options.tokens === undefined || options.tokens.includes(m[1]!)
  }

  const makeCommit = (repo: Repo, branch: string, title: string, files: ReadonlyMap<string, StoredFile>): Commit => {
    const parent = repo.branches.get(branch) ?? null
    commitCounter += 1
    const oid = createHash("sha1").update(`${repo.id}\0${parent}\0${title}\0${commitCounter}`).digest("hex")
    // A fixed clock keeps logs and listings reproducible; only the order of commits matters here.
    const commit: Commit = { oid, parent, title, date: new Date(Date.UTC(2026, 0, 1, 0, 0, commitCounter)).toISOString(), files }
    repo.commits.set(oid, commit)
    repo.branches.set(branch, oid)
    return commit
  }

  const createRepo = (type: RepoType, id: string, isPrivate: boolean): Repo => {
    const repo: Repo = { type, id, private: isPrivate, branches: new Map(), commits: new Map() }
    repos.set(repoKey(type, id), repo)
    makeCommit(repo, "main", "initial commit", new Map([[".gitattributes", { kind: "regular", bytes: Buffer.from(GITATTRIBUTES) }]]))
    return repo
  }

  const getRepo = (type: RepoType, id: string, authorized: boolean): Repo => {
    const repo = repos.get(repoKey(type, id))
    // The Hub hides private repos from anonymous readers behind the same answer as a missing one.
    if (!repo || (repo.private && !authorized)) throw new HttpError(404, "Repository not found", "RepoNotFound")
    return repo
  }

  /** A branch name or a full commit oid. */
  const getCommit = (repo: Repo, revision: string): Commit => {
    const oid = repo.branches.get(revision) ?? (repo.commits.has(revision) ? revision : undefined)
    const commit = oid === undefined ? undefined : repo.commits.get(oid)
    if (!commit) throw new HttpError(404, `Invalid rev id: ${revision}`, "RevisionNotFound")
    return commit
  }

  const bytesOf = (f: StoredFile): Buffer => (f.kind === "regular" ? f.bytes : lfsStore.get(f.oid)!)

  const applyCommit = (repo: Repo, branch: string, lines: ReadonlyArray<{ key: string; value: any }>): Commit => {
    const header = lines[0]
    if (header?.key !== "header") throw new HttpError(400, "The first NDJSON line must be the header")
    const head = getCommit(repo, branch)
    const parentCommit = header.value?.parentCommit
    if (typeof parentCommit === "string" && parentCommit !== head.oid) {
      throw new HttpError(412, `A commit has happened since. Please refresh and try again. (parent ${parentCommit} is not the head of ${branch})`)
    }
    const files = new Map(head.files)
    for (const { key, value } of lines.slice(1)) {
      const path = String(value?.path ?? "")
      if (key === "file") {
        files.set(path, { kind: "regular", bytes: Buffer.from(String(value.content), value.encoding === "base64" ? "base64" : "utf8") })
      } else if (key === "lfsFile") {
        if (!lfsStore.has(value.oid)) throw new HttpError(422, `LFS object ${value.oid} for ${path} was never uploaded`)
        files.set(path, { kind: "lfs", oid: value.oid, size: Number(value.size) })
      } else if (key === "deletedFile") {
        if (!files.delete(path)) throw new HttpError(404, `File not found: ${path}`, "EntryNotFound")
      } else if (key === "deletedFolder") {
        for (const p of [...files.keys()]) if (p.startsWith(path.replace(/\/?$/, "/"))) files.delete(p)
      } else {
        throw new HttpError(400, `Unknown NDJSON key ${key}`)
      }
    }
    return makeCommit(repo, branch, String(header.value?.summary ?? ""), files)
  }

  const treeEntries = (commit: Commit, prefix: string, recursive: boolean): Array<Record<string, unknown>> => {
    const dirs = new Set<string>()
    const out: Array<Record<string, unknown>> = []
    const root = prefix === "" ? "" : `${prefix}/`
    for (const [path, f] of [...commit.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!path.startsWith(root)) continue
      const rest = path.slice(root.length).split("/")
      // every folder between the prefix and the file, or only the first one when not recursive
      for (let i = 1; i < rest.length && (recursive || i === 1); i++) dirs.add(root + rest.slice(0, i).join("/"))
      if (!recursive && rest.length > 1) continue
      const stored = f.kind === "regular" ? f.bytes : lfsPointer(f.oid, f.size)
      out.push({
        type: "file", path, oid: gitBlobOid(stored), size: f.kind === "regular" ? f.bytes.length : f.size,
        ...(f.kind === "lfs" ? { lfs: { oid: f.oid, size: f.size, pointerSize: stored.length } } : {})
      })
    }
    if (out.length === 0 && dirs.size === 0 && prefix !== "") throw new HttpError(404, `Entry not found: ${prefix}`, "EntryNotFound")
    for (const d of dirs) out.push({ type: "directory", path: d, oid: gitBlobOid(Buffer.from(d)), size: 0 })
    return out.sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1))
  }

  const readBody = async (req: IncomingMessage): Promise<Buffer> => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    return Buffer.concat(chunks)
  }

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers })
    res.end(JSON.stringify(body))
  }

  /** The route of a request, with the pieces of its path the handler needs. */
  const classify = (method: string, path: string): { route: Route; m: RegExpExecArray | null } => {
    const table: ReadonlyArray<[Route, string, RegExp]> = [
      ["whoami", "GET", /^\/api\/whoami-v2$/],
      ["repo-create", "POST", /^\/api\/repos\/create$/],
      ["repo-delete", "DELETE", /^\/api\/repos\/delete$/],
      ["preupload", "POST", /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)\/preupload\/([^/]+)$/],
      ["commit", "POST", /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)\/commit\/([^/]+)$/],
      ["branch-create", "POST", /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)\/branch\/([^/]+)$/],
      ["tree", "GET", /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/],
      ["commits", "GET", /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)\/commits\/([^/]+)$/],
      ["repo-info", "GET", /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?$/],
      ["lfs-batch", "POST", /^\/((?:datasets\/|spaces\/)?)([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/],
      ["lfs-put", "PUT", /^\/__lfs\/([0-9a-f]{64})$/],
      ["lfs-part", "PUT", /^\/__lfs\/([0-9a-f]{64})\/part\/(\d+)$/],
      ["lfs-complete", "POST", /^\/__lfs\/([0-9a-f]{64})\/complete$/],
      ["resolve", "GET", /^\/((?:datasets\/|spaces\/)?)([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/],
      ["raw", "GET", /^\/((?:datasets\/|spaces\/)?)([^/]+\/[^/]+)\/raw\/([^/]+)\/(.+)$/]
    ]
    for (const [route, verb, re] of table) {
      const m = re.exec(path)
      if (m && (verb === method || (verb === "GET" && method === "HEAD"))) return { route, m }
    }
    return { route: "unknown", m: null }
  }

  const typeOf = (segment: string): RepoType =>
    segment.startsWith("dataset") ? "dataset" : segment.startsWith("space") ? "space" : "model"

  const WRITE_ROUTES: ReadonlySet<Route> = new Set(["whoami", "repo-create", "repo-delete", "preupload", "commit", "branch-create", "lfs-batch"])

  const handle = async (
    req: IncomingMessage, res: ServerResponse, route: Route, m: RegExpExecArray | null, query: URLSearchParams, authorized: boolean,
    details: { detail?: string }
  ): Promise<void> => {
    if (WRITE_ROUTES.has(route) && !authorized) throw new HttpError(401, "Invalid credentials in Authorization header")
    const dec = (i: number): string => decodeURIComponent(m![i] ?? "")
    switch (route) {
      case "whoami":
        return json(res, 200, {
          type: "user", id: "64f0000000000000000000aa", name: user, fullname: "Revo Tester", email: `${user}@example.org`,
          emailVerified: true, isPro: false, canPay: false, avatarUrl: "", periodEnd: null, orgs: [],
          auth: { type: "access_token", accessToken: { displayName: "test", role: "write", createdAt: "2026-01-01T00:00:00.000Z" } }
        })
      case "repo-create": {
        const body = JSON.parse((await readBody(req)).toString("utf8"))
        const type = typeOf(String(body.type ?? "model"))
        const id = `${body.organization ?? user}/${body.name}`
        if (repos.has(repoKey(type, id))) throw new HttpError(409, "You already created this repo")
        const repo = createRepo(type, id, body.visibility === "private" || body.private === true)
        return json(res, 200, { url: `${base}/${repoKey(type, repo.id)}`, name: repo.id, id: createHash("sha1").update(repo.id).digest("hex").slice(0, 24) })
      }
      case "repo-delete": {
        const body = JSON.parse((await readBody(req)).toString("utf8"))
        const key = repoKey(typeOf(String(body.type ?? "model")), `${body.organization}/${body.name}`)
        if (!repos.delete(key)) throw new HttpError(404, "Repository not found", "RepoNotFound")
        return json(res, 200, {})
      }
      case "repo-info": {
        const repo = getRepo(typeOf(m![1]!), m![2]!, authorized)
        const commit = getCommit(repo, m![3] === undefined || dec(3) === "HEAD" ? "main" : dec(3))
        return json(res, 200, {
          _id: createHash("sha1").update(repo.id).digest("hex").slice(0, 24), id: repo.id, private: repo.private, sha: commit.oid,
          downloads: 0, likes: 0, gated: false, lastModified: commit.date, author: repo.id.split("/")[0],
          siblings: [...commit.files.keys()].sort().map((rfilename) => ({ rfilename }))
        })
      }
      case "branch-create": {
        const repo = getRepo(typeOf(m![1]!), m![2]!, authorized)
        const branch = dec(3)
        const body = JSON.parse((await readBody(req)).toString("utf8") || "{}")
        if (repo.branches.has(branch) && body.overwrite !== true) throw new HttpError(409, `Branch ${branch} already exists`)
        const from = getCommit(repo, typeof body.startingPoint === "string" ? body.startingPoint : "main")
        repo.branches.set(branch, from.oid)
        return json(res, 200, {})
      }
      case "preupload": {
        const repo = getRepo(typeOf(m![1]!), m![2]!, authorized)
        getCommit(repo, dec(3))
        const body = JSON.parse((await readBody(req)).toString("utf8"))
        const files = (body.files as Array<{ path: string; size: number; sample: string }>).map((f) => {
          const lfs = f.size >= lfsThreshold || LFS_PATTERNS.some((ext) => f.path.endsWith(ext)) ||
            Buffer.from(f.sample, "base64").includes(0)
          return { path: f.path, uploadMode: lfs ? "lfs" : "regular", shouldIgnore: false }
        })
        return json(res, 200, { files, commitOid: getCommit(repo, dec(3)).oid })
      }
      case "lfs-batch": {
        getRepo(typeOf(m![1]!), m![2]!, authorized)
        const body = JSON.parse((await readBody(req)).toString("utf8"))
        const objects = (body.objects as Array<{ oid: string; size: number }>).map(({ oid, size }) => {
          if (lfsStore.has(oid)) return { oid, size } // already stored: no actions, the client skips the upload
          if (size >= multipartThreshold) {
            const header: Record<string, string> = { chunk_size: String(chunkSize) }
            const parts = Math.ceil(size / chunkSize)
            for (let p = 1; p <= parts; p++) header[String(p).padStart(5, "0")] = `${base}/__lfs/${oid}/part/${p}`
            multipart.set(oid, { size, parts: new Map() })
            return { oid, size, authenticated: true, actions: { upload: { href: `${base}/__lfs/${oid}/complete`, header, expires_in: 86400 } } }
          }
          return { oid, size, authenticated: true, actions: { upload: { href: `${base}/__lfs/${oid}`, expires_in: 86400 } } }
        })
        res.writeHead(200, { "Content-Type": "application/vnd.git-lfs+json" })
        return void res.end(JSON.stringify({ transfer: objects.some((o) => "actions" in o && "header" in o.actions.upload) ? "multipart" : "basic", objects }))
      }
      case "lfs-put": {
        const body = await readBody(req)
        if (sha256(body) !== m![1]) throw new HttpError(400, "sha256 of the uploaded bytes does not match the object id")
        lfsStore.set(m![1]!, body)
        res.writeHead(200, { ETag: `"${createHash("md5").update(body).digest("hex")}"` })
        return void res.end()
      }
      case "lfs-part": {
        const upload = multipart.get(m![1]!)
        if (!upload) throw new HttpError(404, "No multipart upload in progress for this object")
        const body = await readBody(req)
        upload.parts.set(Number(m![2]), body)
        res.writeHead(200, { ETag: `"${createHash("md5").update(body).digest("hex")}"` })
        return void res.end()
      }
      case "lfs-complete": {
        const upload = multipart.get(m![1]!)
        if (!upload) throw new HttpError(404, "No multipart upload in progress for this object")
        const body = JSON.parse((await readBody(req)).toString("utf8")) as { parts: Array<{ partNumber: number; etag: string }> }
        const bytes = Buffer.concat(body.parts.sort((a, b) => a.partNumber - b.partNumber).map((p) => upload.parts.get(p.partNumber) ?? Buffer.alloc(0)))
        if (bytes.length !== upload.size || sha256(bytes) !== m![1]) throw new HttpError(400, "The assembled parts do not match the object")
        lfsStore.set(m![1]!, bytes)
        multipart.delete(m![1]!)
        return json(res, 200, {})
      }
      case "commit": {
        const repo = getRepo(typeOf(m![1]!), m![2]!, authorized)
        const text = (await readBody(req)).toString("utf8")
        const lines = text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))
        details.detail = `ops=${lines.length - 1} parent=${lines[0]?.value?.parentCommit ?? "none"}`
        const commit = applyCommit(repo, dec(3), lines)
        return json(res, 200, {
          success: true, commitOid: commit.oid, commitMessage: commit.title, hookOutput: "",
          commitUrl: `${base}/${repoKey(repo.type, repo.id)}/commit/${commit.oid}`
        })
      }
      case "tree": {
        const repo = getRepo(typeOf(m![1]!), m![2]!, authorized)
        const commit = getCommit(repo, dec(3))
        const entries = treeEntries(commit, (m![4] ?? "").replace(/\/$/, ""), query.get("recursive") === "true")
        const expand = query.get("expand") === "true"
        return json(res, 200, expand ? entries.map((e) => ({ ...e, lastCommit: { id: commit.oid, title: commit.title, date: commit.date } })) : entries)
      }
      case "commits": {
        const repo = getRepo(typeOf(m![1]!), m![2]!, authorized)
        const out: Array<Record<string, unknown>> = []
        for (let c: Commit | undefined = getCommit(repo, dec(3)); c; c = c.parent ? repo.commits.get(c.parent) : undefined) {
          out.push({ id: c.oid, title: c.title, message: "", authors: [{ user, avatar: "" }], date: c.date })
        }
        return json(res, 200, out.slice(0, Number(query.get("limit") ?? 100)))
      }
      case "resolve":
      case "raw": {
        const repo = getRepo(typeOf(m![1]!), m![2]!, authorized)
        const commit = getCommit(repo, dec(3))
        const path = m![4]!.split("/").map(decodeURIComponent).join("/")
        const f = commit.files.get(path)
        if (!f) throw new HttpError(404, `Entry not found: ${path}`, "EntryNotFound")
        const bytes = route === "raw" && f.kind === "lfs" ? lfsPointer(f.oid, f.size) : bytesOf(f)
        const headers: Record<string, string> = {
          "Content-Type": "application/octet-stream", "Accept-Ranges": "bytes", "X-Repo-Commit": commit.oid,
          ETag: `"${f.kind === "lfs" && route === "resolve" ? f.oid : gitBlobOid(bytes)}"`
        }
        if (f.kind === "lfs") {
          headers["X-Linked-ETag"] = `"${f.oid}"`
          headers["X-Linked-Size"] = String(f.size)
        }
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "")
        if (range) {
          const start = Number(range[1])
          const end = Math.min(range[2] === "" ? bytes.length - 1 : Number(range[2]), bytes.length - 1)
          if (start >= bytes.length && bytes.length > 0) {
            res.writeHead(416, { "Content-Range": `bytes */${bytes.length}` })
            return void res.end()
          }
          const slice = bytes.subarray(start, end + 1)
          res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${Math.max(end, start)}/${bytes.length}`, "Content-Length": String(slice.length) })
          return void res.end(req.method === "HEAD" ? undefined : slice)
        }
        res.writeHead(200, { ...headers, "Content-Length": String(bytes.length) })
        return void res.end(req.method === "HEAD" ? undefined : bytes)
      }
      case "unknown":
        throw new HttpError(404, `No route for ${req.method} ${req.url}`)
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", base)
    const method = req.method ?? "GET"
    const { route, m } = classify(method, url.pathname)
    const authorized = tokenOk(req.headers.authorization)
    const details: { detail?: string } = {}
    const finish = (status: number): void => {
      log.push({ method, path: url.pathname + url.search, route, status, authorized, ...details })
    }
    res.on("finish", () => finish(res.statusCode))
    const hook = hooks.get(route)?.shift()
    if (hook) hook()
    const queue = faults.get(route)
    const fault = queue?.[0]
    if (fault) {
      fault.remaining -= 1
      if (fault.remaining <= 0) queue!.shift()
      // Drain the body so the client sees the answer, not a reset connection.
      req.resume()
      return json(res, fault.status, { error: fault.message }, fault.headers)
    }
    handle(req, res, route, m, url.searchParams, authorized, details).catch((err: unknown) => {
      req.resume()
      if (res.headersSent) return void res.destroy()
      if (err instanceof HttpError) {
        return json(res, err.status, { error: err.message }, err.code ? { "X-Error-Code": err.code } : {})
      }
      json(res, 500, { error: `mock hub: ${err instanceof Error ? err.message : String(err)}` })
    })
  })

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const repoFor = (key: string): Repo | undefined => {
    const { type, id } = splitRepoKey(key)
    return repos.get(repoKey(type, id))
  }

  return {
    url: base,
    log,
    files: (key, branch = "main") => {
      const repo = repoFor(key)
      if (!repo) throw new Error(`mock hub: no repo ${key}`)
      return new Map([...getCommit(repo, branch).files].map(([p, f]) => [p, bytesOf(f)]))
    },
    head: (key, branch = "main") => repoFor(key)?.branches.get(branch),
    putFiles: (key, files, opts = {}) => {
      const { type, id } = splitRepoKey(key)
      const repo = repoFor(key) ?? createRepo(type, id, opts.private ?? false)
      const branch = opts.branch ?? "main"
      if (!repo.branches.has(branch)) repo.branches.set(branch, repo.branches.get("main")!)
      const next = new Map(getCommit(repo, branch).files)
      for (const [path, content] of Object.entries(files)) {
        const bytes = Buffer.from(typeof content === "string" ? Buffer.from(content) : content)
        if (bytes.length >= lfsThreshold || LFS_PATTERNS.some((ext) => path.endsWith(ext))) {
          const oid = sha256(bytes)
          lfsStore.set(oid, bytes)
          next.set(path, { kind: "lfs", oid, size: bytes.length })
        } else {
          next.set(path, { kind: "regular", bytes })
        }
      }
      return makeCommit(repo, branch, `Upload ${Object.keys(files).length} files`, next).oid
    },
    fail: (route, status, opts = {}) => {
      const queue = faults.get(route) ?? []
      queue.push({ status, remaining: opts.times ?? 1, message: opts.message ?? `injected ${status}`, headers: opts.headers ?? {} })
      faults.set(route, queue)
    },
    before: (route, hook) => {
      const queue = hooks.get(route) ?? []
      queue.push(hook)
      hooks.set(route, queue)
    },
    clearFaults: () => {
      faults.clear()
      hooks.clear()
    },
    clearLog: () => void log.splice(0, log.length),
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((err) => (err ? reject(err) : resolve()))
    })
  }
}

