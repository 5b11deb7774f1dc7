/**
 * The file rules of the no-op proof (src/runtime/rerun-proof.ts) on real files: what counts as
 * unchanged (size, mtime, ctime, inode; else the bytes), what is hashed anyway (files modified
 * near the proof's writing), and the environment the spec reads.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { checkFiles, fileEntry, folderEntry, nowNs, proofKey, RACY_NS, readProof, type RerunProof, restatProof, specEnvNames, writeProof } from "../../src/runtime/rerun-proof.ts"
import { sha256File } from "../../src/util/fs.ts"

/** A proof time well after the fixtures' files were written: they are not racy for it. */
const later = nowNs() + 10n * RACY_NS

const proofOf = (files: RerunProof["files"], options: { written?: bigint; env?: Record<string, string | null> } = {}): RerunProof => ({
  format: 1, key: "k", written: String(options.written ?? later),
  env: options.env ?? {}, files, tasks: [], warnings: [], specFile: "", specHash: "", resultsDir: ""
})

const fixture = () => {
  const dir = mkdtempSync(join(tmpdir(), "revo-proof-"))
  const file = join(dir, "data.json")
  writeFileSync(file, `{"caption":"a dog on a bench"}\n`)
  return { dir, file }
}

describe("the no-op proof's file check", () => {
  it("trusts an unchanged file by its stat, without reading it", () => {
    const { file } = fixture()
    // Written "long after" the file's last change: not racy, so the stat alone decides, and no hash is kept.
    const entry = fileEntry(file, later)
    assert.equal(entry.sha256, null)
    assert.deepEqual(checkFiles(proofOf([entry]), {}), { ok: true, rehashed: false })
  })

  it("catches a same-size edit whose mtime was put back (the ctime moved)", () => {
    const { file } = fixture()
    const entry = fileEntry(file, later)
    writeFileSync(file, `{"caption":"a cat on a bench"}\n`)
    // Put the mtime back to the nanosecond (Node's utimes cannot: it takes a double of seconds).
    const ns = BigInt(entry.mtime)
    const r0 = spawnSync("touch", ["-m", "-d", `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`, file])
    assert.equal(r0.status, 0, String(r0.stderr))
    assert.equal(String(statSync(file, { bigint: true }).mtimeNs), entry.mtime)
    const r = checkFiles(proofOf([entry]), {})
    assert.equal(r.ok, false)
    assert.match(!r.ok ? r.why : "", /data\.json changed$/)
  })

  it("catches a file replaced by another of the same size (new inode)", () => {
    const { dir, file } = fixture()
    const entry = fileEntry(file, later)
    const other = join(dir, "other.json")
    writeFileSync(other, `{"caption":"a pig on a bench"}\n`)
    renameSync(other, file)
    assert.equal(checkFiles(proofOf([entry]), {}).ok, false)
  })

  it("accepts a touched file with a known hash by its bytes; one proven by its stat alone counts as changed", () => {
    const { dir, file } = fixture()
    const known = fileEntry(file, later, sha256File(file))
    const statOnly = fileEntry(file, later)
    const soon = new Date(Date.now() + 60_000)
    utimesSync(file, soon, soon)
    const proof = proofOf([known])
    assert.deepEqual(checkFiles(proof, {}), { ok: true, rehashed: true })
    assert.match(JSON.stringify(checkFiles(proofOf([statOnly]), {})), /data\.json changed/)
    // Re-stated, the hashed file keeps its hash and gets its new stat.
    const path = join(dir, "proof.json")
    writeProof(path, later, { ...proof })
    restatProof(path, proof)
    const again = readProof(path, "k")!
    assert.equal(again.files[0]!.sha256, known.sha256)
    assert.equal(again.files[0]!.mtime, String(statSync(file, { bigint: true }).mtimeNs))
    assert.deepEqual(checkFiles(again, {}).ok, true)
  })

  it("hashes a file modified near the proof's writing even when its stat matches", () => {
    const { file } = fixture()
    const entry = fileEntry(file, later)
    // The proof written right after the file: a second write within the clock's tick would keep
    // the stat, so the entry keeps a hash and the check reads the bytes.
    const racyEntry = fileEntry(file, BigInt(entry.mtime) + 1_000_000n)
    assert.equal(racyEntry.sha256, sha256File(file))
    const racy = proofOf([racyEntry], { written: BigInt(entry.mtime) + 1_000_000n })
    assert.deepEqual(checkFiles(racy, {}), { ok: true, rehashed: true })
    const lying = proofOf([{ ...racyEntry, sha256: "0".repeat(64) }], { written: BigInt(entry.mtime) + 1_000_000n })
    assert.equal(checkFiles(lying, {}).ok, false)
  })

  it("fails on a missing file or a changed size", () => {
    const { dir, file } = fixture()
    const entry = fileEntry(file, later)
    assert.match(JSON.stringify(checkFiles(proofOf([{ ...entry, path: join(dir, "gone.json") }]), {})), /gone\.json is gone/)
    writeFileSync(file, "{}\n")
    assert.match(JSON.stringify(checkFiles(proofOf([entry]), {})), /changed size/)
  })

  it("a folder entry catches a file added to the folder, removed from it or renamed in it", () => {
    const { dir, file } = fixture()
    // A folder changed this recently is racy for a proof written now; "later" is well after.
    const entry = folderEntry(dir)
    assert.deepEqual(checkFiles(proofOf([entry]), {}), { ok: true, rehashed: false })
    writeFileSync(join(dir, "new.py"), "print(1)\n")
    assert.match(JSON.stringify(checkFiles(proofOf([entry]), {})), /a file added, removed or renamed/)
    const again = folderEntry(dir)
    renameSync(file, join(dir, "renamed.json"))
    assert.equal(checkFiles(proofOf([again]), {}).ok, false)
  })

  it("fails when a variable the spec interpolates changed, appeared or disappeared", () => {
    const text = "data_root: ${REVO_DATA_ROOT:-../data}\nname: x$${LITERAL}\ndescription: ${WHO}\n"
    assert.deepEqual(specEnvNames(text), ["LITERAL", "REVO_DATA_ROOT", "WHO"])
    const proof = proofOf([], { env: { REVO_DATA_ROOT: null, WHO: "me" } })
    assert.equal(checkFiles(proof, { WHO: "me" }).ok, true)
    assert.match(JSON.stringify(checkFiles(proof, { WHO: "you" })), /environment variable WHO changed/)
    assert.match(JSON.stringify(checkFiles(proof, {})), /environment variable WHO changed/)
    assert.match(JSON.stringify(checkFiles(proof, { WHO: "me", REVO_DATA_ROOT: "/elsewhere" })), /REVO_DATA_ROOT changed/)
  })

  it("keys a proof by the whole command line", () => {
    const base = { cwd: "/w", spec: "/w/x.yaml", set: ["seed=1"], dataRoot: undefined, store: "/w/results/.revo" }
    const keys = new Set([
      proofKey(base), proofKey({ ...base, cwd: "/v" }), proofKey({ ...base, spec: "/w/y.yaml" }), proofKey({ ...base, set: ["seed=2"] }),
      proofKey({ ...base, set: [] }), proofKey({ ...base, dataRoot: "/d" }), proofKey({ ...base, store: "/s" })
    ])
    assert.equal(keys.size, 7)
    assert.equal(proofKey({ ...base }), proofKey(base))
  })
})
