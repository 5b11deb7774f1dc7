/**
 * Helpers for end-to-end runs of the real CLI on the small real-data spec: spec overrides for the
 * backend, reading task outputs by label, comparing reports field by field, and the Slurm jobs
 * that belong to one store.
 */
import assert from "node:assert/strict"
import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { revo, type CliResult, mainTs } from "../support/cli.ts"
import { smallSpec, type SmallSpec } from "../support/small-spec.ts"
import { slurm } from "../executors/slurm-cluster.ts"

const main = mainTs

/** plugins/retrieval behind a wrapper with test-only knobs (tune_delay_ms, fail_tune); see its slow.ts. */
export const slowPlugin = fileURLToPath(new URL("./fixtures/slow-retrieval", import.meta.url))

/**
 * The small spec without llava-instruct-100: two real datasets, 22 tune/predict tasks instead
 * of 36, for the tests whose point is the runtime's behaviour around jobs, not the matrix.
 */
export const twoDatasetSpec = (): SmallSpec => {
  const s = smallSpec()
  const yaml = readFileSync(s.spec, "utf8")
  const two = yaml.replace(/^  llava-instruct-100:\n(?: {4}.*\n)+/m, "")
  assert.notEqual(two, yaml, "the small spec no longer has a llava-instruct-100 block to drop")
  writeFileSync(s.spec, two)
  return s
}

export interface Backend {
  /** `--set` values: plugin, executor kind, params */
  readonly plugin?: string
  readonly slurm?: boolean
  readonly params?: Readonly<Record<string, unknown>>
  /** environment variables the spec grants the plugin (backend.env) */
  readonly grant?: ReadonlyArray<string>
}

/** The small spec already declares `backend:`; these override it from the command line. */
export const backendArgs = (b: Backend): Array<string> => [
  ...(b.plugin === undefined ? [] : ["--set", `backend.plugin=${b.plugin}`]),
  ...(b.slurm === true ? ["--set", "backend.executor.kind=slurm"] : []),
  ...Object.entries(b.params ?? {}).flatMap(([k, v]) => ["--set", `backend.params.${k}=${JSON.stringify(v)}`]),
  ...(b.grant === undefined ? [] : ["--set", `backend.env=${JSON.stringify(b.grant)}`])
]

export const runArgs = (s: SmallSpec, b: Backend, jobs = 2): Array<string> =>
  ["run", s.spec, "--store", s.store, "-j", String(jobs), ...backendArgs(b)]

/** `revo run` to completion; asserts exit 0 and returns the wall time in seconds. */
export const runOk = (s: SmallSpec, b: Backend, jobs = 2): { result: CliResult; seconds: number } => {
  const t0 = Date.now()
  const result = revo(runArgs(s, b, jobs))
  assert.equal(result.code, 0, `revo run failed:\n${result.stderr.slice(-3000)}`)
  return { result, seconds: (Date.now() - t0) / 1000 }
}

/** `revo run` in a child process (so the test can watch and kill it). */
export const spawnRun = (s: SmallSpec, b: Backend, jobs = 2, env: Readonly<Record<string, string>> = {}): ChildProcess & { stderrText: () => string } => {
  const child = spawn(process.execPath, [main, ...runArgs(s, b, jobs)], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } })
  let err = ""
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()))
  return Object.assign(child, { stderrText: () => err })
}

export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once("close", (code) => r(code)))

export const waitUntil = async (cond: () => boolean, ms: number, what: string): Promise<void> => {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export interface LabelKey {
  readonly task: string
  readonly kind: string
  readonly key: string
}

/**
 * The key each task label last completed with in this store (its labels/ index), with the task's
 * kind. (Not `revo plan`: keys hash the code's version, and the code may change while a test runs.)
 */
export const completedKeys = (s: SmallSpec): Map<string, LabelKey> => {
  const dir = join(s.store, "labels")
  const rows = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => {
    const { label, key } = JSON.parse(readFileSync(join(dir, f), "utf8")) as { label: string; key: string }
    return { task: label, kind: readRecord(s, key).kind, key }
  })
  return new Map(rows.sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0)).map((r) => [r.task, r]))
}

export interface StoredRecord {
  readonly key: string
  readonly label: string
  readonly kind: string
  readonly status: "running" | "done" | "failed"
  readonly outputs: Readonly<Record<string, { hash: string }>>
  readonly job?: { readonly executor: string; readonly id: string }
  readonly error?: string
}

export const readRecord = (s: SmallSpec, key: string): StoredRecord =>
  JSON.parse(readFileSync(join(s.store, "tasks", `${key}.json`), "utf8")) as StoredRecord

/** Every task record in the store (tolerates a record being replaced while we read). */
export const allRecords = (s: SmallSpec): Array<StoredRecord> => {
  const dir = join(s.store, "tasks")
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((f) => f.endsWith(".json")).flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(join(dir, f), "utf8")) as StoredRecord]
    } catch {
      return []
    }
  })
}

/** The bytes of one output of every task of a kind, by label (label index -> task record -> object). */
export const outputsByLabel = (s: SmallSpec, kind: string, output: string): Map<string, Buffer> => {
  const out = new Map<string, Buffer>()
  for (const row of completedKeys(s).values()) {
    if (row.kind !== kind) continue
    const record = readRecord(s, row.key)
    assert.equal(record.status, "done", `${row.task} is not done in ${s.store}`)
    const hash = record.outputs[output]?.hash
    assert.ok(hash !== undefined, `${row.task} has no output ${output}`)
    out.set(row.task, readFileSync(join(s.store, "objects", hash.slice(0, 2), hash)))
  }
  return out
}

export const assertSameOutputs = (a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void => {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: different task labels`)
  assert.ok(a.size > 0, `${what}: no tasks`)
  for (const [label, bytes] of a) assert.ok(bytes.equals(b.get(label)!), `${what}: ${label} differs`)
}

export const report = (s: SmallSpec): unknown =>
  JSON.parse(readFileSync(join(s.dir, "results", "small", "report.json"), "utf8"))

/** The JSON paths (a.b.c) where two parsed JSON values differ, sorted. */
export const diffPaths = (a: unknown, b: unknown, at = ""): Array<string> => {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    return keys.flatMap((k) => diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at === "" ? k : `${at}.${k}`))
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at]
}

export interface SlurmJob {
  readonly id: string
  readonly name: string
  readonly state: string
  readonly workDir: string
}

/** Every job the controller knows (any state: MinJobAge keeps finished ones) that ran in this store. */
export const jobsOfStore = (s: SmallSpec): Array<SlurmJob> =>
  slurm("squeue", ["-h", "-t", "all", "-o", "%i|%j|%T|%Z"]).split("\n").flatMap((line) => {
    const [id, name, state, workDir] = line.trim().split("|")
    return id && name && state && workDir?.startsWith(join(s.store, "work") + "/") ? [{ id, name, state, workDir }] : []
  })

/**
 * Wait until no sbatch for this store is still running: a revo killed with -9 leaves its
 * in-flight sbatch behind, and a job it submits after the rerun looked would be a second one.
 */
export const sbatchSettled = (s: SmallSpec): Promise<void> => {
  const inFlight = () =>
    readdirSync("/proc").filter((e) => /^\d+$/.test(e)).some((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
        return /(^|\/)sbatch$/.test(argv[0] ?? "") && argv.some((a) => a.includes(s.store))
      } catch {
        return false
      }
    })
  return waitUntil(() => !inFlight(), 60_000, "the killed revo's sbatch calls to end")
}

/** Task keys (work dirs) that got more than one Slurm job. */
export const resubmitted = (jobs: ReadonlyArray<SlurmJob>): Array<string> => {
  const count = new Map<string, number>()
  for (const j of jobs) count.set(j.workDir, (count.get(j.workDir) ?? 0) + 1)
  return [...count].filter(([, n]) => n > 1).map(([dir, n]) => `${dir} (${n} jobs)`)
}

/** The events of the store's runs, oldest run first. */
export const runEvents = (s: SmallSpec): Array<Array<{ event: string; task: string }>> => {
  const runs = join(s.dir, "results", "small", "runs")
  return readdirSync(runs).sort().map((d) =>
    readFileSync(join(runs, d, "events.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { event: string; task: string })
  )
}
