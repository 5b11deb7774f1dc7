/**
 * Issue 6 and 7, end to end through the real CLI on real data: the small spec gives the same
 * predictions and report with `retrieval` as a module plugin, as a process plugin on the local
 * executor, and as a process plugin on a real single-node Slurm (executor: slurm).
 * The Slurm part fails when Slurm cannot be started, unless REVO_SKIP_SLURM=1.
 */
import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { repoRoot } from "../support/cli.ts"
import { smallSpec } from "../support/small-spec.ts"
import { ensureSlurm, type Cluster } from "../executors/slurm-cluster.ts"
import { assertSameOutputs, type Backend, diffPaths, jobsOfStore, outputsByLabel, completedKeys, report, resubmitted, runOk } from "./support.ts"

const processPlugin = `${repoRoot}plugins/retrieval`
const moduleBackend: Backend = {}
const localProcess: Backend = { plugin: processPlugin }
const slurmProcess: Backend = { plugin: processPlugin, slurm: true }

// One local process-plugin run is the reference for both comparisons.
const local = smallSpec({ process: true })
let localDone = false
const localRun = () => {
  if (!localDone) {
    const { seconds } = runOk(local, localProcess)
    process.stderr.write(`# small spec, process plugin, local executor, -j 2: ${seconds.toFixed(1)} s\n`)
    localDone = true
  }
}

describe("backends end to end: module and process plugin, local and Slurm executors", { timeout: 240_000 }, () => {
  it("retrieval as a module and as a process plugin: byte-identical predictions, same report but for the spec's hash", () => {
    const mod = smallSpec()
    const { seconds } = runOk(mod, moduleBackend)
    process.stderr.write(`# small spec, module plugin: ${seconds.toFixed(1)} s\n`)
    localRun()

    // The plugin kind is part of the task keys (different stores, different keys): compare by label.
    const modKeys = completedKeys(mod)
    const procKeys = completedKeys(local)
    assert.notEqual(modKeys.get("tune:coco-mini")?.key, procKeys.get("tune:coco-mini")?.key, "the plugin kind must be part of the tune key")
    const preds = outputsByLabel(mod, "predict", "predictions")
    assert.ok(preds.size >= 30, `only ${preds.size} predict tasks`)
    assertSameOutputs(preds, outputsByLabel(local, "predict", "predictions"), "module vs process predictions")
    assertSameOutputs(outputsByLabel(mod, "score", "scores"), outputsByLabel(local, "score", "scores"), "module vs process scores")

    // The spec names the plugin differently (a name vs a folder), so only the spec's hash differs:
    // the report's backend (name, version, inputs, demo) is the same for both forms of one plugin.
    assert.deepEqual(diffPaths(report(mod), report(local)), ["provenance.spec_sha256", "spec_sha256"])
  })

  describe("on Slurm", () => {
    let cluster: Cluster = { skip: undefined, dir: undefined, stop: () => {} }
    before(() => {
      cluster = ensureSlurm()
    })
    after(() => cluster.stop())

    it("executor: slurm completes with the same task keys, predictions and report as the local executor", (t) => {
      if (cluster.skip !== undefined) return t.skip(cluster.skip)
      localRun()
      const s = smallSpec({ process: true })
      // More slots than the local run: Slurm jobs wait on polls more than on the CPU.
      const { seconds } = runOk(s, slurmProcess, 4)
      process.stderr.write(`# small spec, process plugin, slurm executor, -j 4: ${seconds.toFixed(1)} s\n`)

      // Every tune and predict task ran as its own Slurm job, once.
      const jobs = jobsOfStore(s)
      const keys = completedKeys(s)
      const modelTasks = [...keys.values()].filter((r) => r.kind === "tune" || r.kind === "predict")
      assert.equal(jobs.length, modelTasks.length, `${jobs.length} slurm jobs for ${modelTasks.length} tune/predict tasks`)
      assert.deepEqual(resubmitted(jobs), [])
      assert.ok(jobs.every((j) => j.state === "COMPLETED" && j.name.startsWith("revo-")), JSON.stringify(jobs.filter((j) => j.state !== "COMPLETED")))

      // Where a task runs is not what it computes: the executor and its resources stay out of the keys.
      const modelKeys = (m: ReturnType<typeof completedKeys>) =>
        [...m.values()].filter((r) => r.kind === "tune" || r.kind === "predict").map((r) => [r.task, r.key])
      assert.deepEqual(modelKeys(keys), modelKeys(completedKeys(local)))
      assertSameOutputs(outputsByLabel(s, "predict", "predictions"), outputsByLabel(local, "predict", "predictions"), "slurm vs local predictions")
      // The report says which executor ran the backend; everything else is the same.
      assert.deepEqual(diffPaths(report(s), report(local)), ["provenance.spec_sha256", "settings.backend", "spec_sha256"])
      assert.equal((report(s) as { settings: { backend: string } }).settings.backend, "retrieval 1.0.0 (slurm)")
    })
  })
})
