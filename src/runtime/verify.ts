/**
 * `revo verify`, the store's fsck: re-hash every output of every done task (model files
 * included, since they are outputs) and every materialised model copy under models/, ignoring
 * the size + mtime fast path that a normal run trusts. With `repair`, damaged objects are
 * deleted and the tasks that recorded them are marked failed (so the next run recomputes them
 * and `revo plan` says why); damaged model copies and leftovers are removed (rebuilt on use).
 * It never recomputes anything itself.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { sha256, type Store, type TaskRecord } from "./store.ts"

export interface Finding {
  readonly kind: "damaged" | "missing" | "unreadable record" | "model copy" | "leftover"
  readonly path: string
  readonly detail: string
  readonly task?: string
  readonly output?: string
}

export interface VerifyReport {
  readonly records: number
  readonly done: number
  readonly objects: number
  readonly bytes: number
  readonly modelCopies: number
  readonly findings: ReadonlyArray<Finding>
  /** What --repair changed (paths deleted, records marked). */
  readonly repaired: ReadonlyArray<string>
  readonly seconds: number
}

type ObjectState = { readonly ok: true; readonly size: number } | { readonly ok: false; readonly why: "missing" | "damaged"; readonly detail: string }

export const verifyStore = (store: Store, options: { readonly repair: boolean }): VerifyReport => {
  const t0 = Date.now()
  const findings: Array<Finding> = []
  const repaired: Array<string> = []
  const objects = new Map<string, ObjectState>()
  let bytes = 0
  const objectState = (hash: string, size: number): ObjectState => {
    const hit = objects.get(hash)
    if (hit) return hit
    const path = store.objectPath(hash)
    let state: ObjectState
    if (!existsSync(path)) state = { ok: false, why: "missing", detail: "the object is missing" }
    else {
      const data = readFileSync(path)
      bytes += data.length
      state = data.length !== size
        ? { ok: false, why: "damaged", detail: `${data.length} bytes, recorded ${size}` }
        : sha256(data) !== hash ? { ok: false, why: "damaged", detail: "its sha256 differs from its name (same size)" } : { ok: true, size }
    }
    objects.set(hash, state)
    return state
  }

  const tasksDir = join(store.root, "tasks")
  const names = existsSync(tasksDir) ? readdirSync(tasksDir).sort() : []
  let records = 0
  let done = 0
  const toMark = new Map<string, { record: TaskRecord; why: Array<string> }>()
  for (const name of names) {
    const path = join(tasksDir, name)
    if (!name.endsWith(".json")) {
      if (name.includes(".tmp-")) findings.push({ kind: "leftover", path, detail: "a temp file left by an interrupted write" })
      continue
    }
    records++
    const record = store.readRecord(name.slice(0, -".json".length))
    if (record === undefined) {
      findings.push({ kind: "unreadable record", path, detail: "not a task record this revo can read (the task will run again)" })
      continue
    }
    if (record.status !== "done") continue
    done++
    for (const [output, out] of Object.entries(record.outputs).sort(([a], [b]) => a.localeCompare(b))) {
      const state = objectState(out.hash, out.size)
      if (state.ok) continue
      findings.push({ kind: state.why, path: store.objectPath(out.hash), detail: state.detail, task: record.label, output })
      const m = toMark.get(record.key) ?? { record, why: [] }
      m.why.push(`output ${output} ${state.why === "missing" ? "is missing" : "does not match its recorded hash"}`)
      toMark.set(record.key, m)
    }
  }

  // Materialised model copies: models/<manifest hash>/ must hold the manifest's bytes.
  const modelsDir = join(store.root, "models")
  let modelCopies = 0
  const badCopies: Array<string> = []
  for (const name of existsSync(modelsDir) ? readdirSync(modelsDir).sort() : []) {
    const dir = join(modelsDir, name)
    if (!/^[0-9a-f]{64}$/.test(name)) {
      findings.push({ kind: "leftover", path: dir, detail: "an unfinished or replaced model copy" })
      badCopies.push(dir)
      continue
    }
    modelCopies++
    let files: Record<string, string> | undefined
    try {
      files = (JSON.parse(store.getText(name)) as { files?: Record<string, string> }).files
    } catch {
      files = undefined
    }
    if (files === undefined || sha256(store.get(name)) !== name) {
      findings.push({ kind: "model copy", path: dir, detail: "its manifest is missing or damaged in the store" })
      badCopies.push(dir)
      continue
    }
    for (const [rel, hash] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
      const p = join(dir, rel)
      const why = !existsSync(p) ? "is missing" : sha256(readFileSync(p)) !== hash ? `differs from the model (${statSync(p).size} bytes)` : undefined
      if (why === undefined) continue
      findings.push({ kind: "model copy", path: p, detail: `${rel} ${why}` })
      badCopies.push(dir)
      break
    }
  }

  if (options.repair) {
    for (const f of findings) {
      if ((f.kind === "damaged" || f.kind === "unreadable record" || f.kind === "leftover") && existsSync(f.path) && !badCopies.includes(f.path)) {
        rmSync(f.path, { force: true })
        repaired.push(`deleted ${f.path}`)
      }
    }
    for (const { record, why } of toMark.values()) {
      store.writeRecord({ ...record, status: "failed", error: `damaged (found by revo verify): ${why.join("; ")}` })
      repaired.push(`marked ${record.label} for recomputation (${why.join("; ")})`)
    }
    for (const dir of new Set(badCopies)) {
      rmSync(dir, { recursive: true, force: true })
      repaired.push(`deleted ${dir} (rebuilt from the store when next used)`)
    }
  }
  return { records, done, objects: objects.size, bytes, modelCopies, findings, repaired, seconds: (Date.now() - t0) / 1000 }
}
