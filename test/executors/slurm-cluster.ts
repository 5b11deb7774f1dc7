/**
 * A real single-node Slurm for the tests: the one named by SLURM_CONF if it answers, otherwise
 * one started here with .ci/slurm-up.sh under a temp dir (and stopped after the file's tests).
 * If Slurm cannot be started the tests fail, unless REVO_SKIP_SLURM=1 asks to skip them.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const repo = fileURLToPath(new URL("../../", import.meta.url))
const SBIN = "/usr/sbin:/sbin"

export interface Cluster {
  /** Set when the tests should be skipped (REVO_SKIP_SLURM=1 and no Slurm). */
  readonly skip: string | undefined
  /** The slurm-up.sh directory when known (ours, or REVO_SLURM_DIR from its env.sh). */
  readonly dir: string | undefined
  readonly stop: () => void
}

const answers = (): boolean => {
  if (process.env.SLURM_CONF === undefined) return false
  const r = spawnSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8", timeout: 10_000 })
  return r.status === 0 && /idle|mix|alloc/.test(r.stdout)
}

export const ensureSlurm = (): Cluster => {
  process.env.PATH = `${process.env.PATH ?? ""}:${SBIN}`
  if (answers()) return { skip: undefined, dir: process.env.REVO_SLURM_DIR, stop: () => {} }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "revo-slurm-test-"))
  const t0 = Date.now()
  // More CPUs than the machine has (config_overrides): the jobs sleep, and several must run at once.
  const up = spawnSync(path.join(repo, ".ci/slurm-up.sh"), [dir], {
    encoding: "utf8",
    env: { ...process.env, SLURM_CPUS: process.env.SLURM_CPUS ?? "8" },
    timeout: 300_000
  })
  if (up.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true })
    const why = `cannot start a single-node Slurm with .ci/slurm-up.sh: ${up.stderr?.trim().split("\n").slice(-3).join(" | ")}`
    if (process.env.REVO_SKIP_SLURM === "1") return { skip: `REVO_SKIP_SLURM=1: skipping Slurm tests (${why})`, dir: undefined, stop: () => {} }
    throw new Error(`${why} (set REVO_SKIP_SLURM=1 to skip the Slurm tests instead)`)
  }
  process.env.SLURM_CONF = path.join(dir, "etc", "slurm.conf")
  process.stderr.write(`# started Slurm in ${dir} in ${Date.now() - t0} ms\n`)
  return {
    skip: undefined,
    dir,
    stop: () => {
      execFileSync(path.join(repo, ".ci/slurm-down.sh"), [dir], { stdio: "ignore", timeout: 60_000 })
      delete process.env.SLURM_CONF
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Synchronous client calls for assertions (the executor itself is what is under test). */
export const slurm = (cmd: string, args: ReadonlyArray<string>): string =>
  execFileSync(cmd, args, { encoding: "utf8", timeout: 30_000 })

export const jobState = (id: string): string => /JobState=(\S+)/.exec(slurm("scontrol", ["show", "job", "-o", id]))?.[1] ?? ""

/** Every job the controller knows with this name, in any state. */
export const jobsNamed = (name: string): Array<string> =>
  slurm("squeue", ["-h", "-t", "all", "-n", name, "-o", "%i"]).split("\n").map((s) => s.trim()).filter((s) => s !== "")

/** Stop slurmctld by its pid and start it again after `downMs`: a controller restart, as on a busy site. */
export const restartController = async (dir: string, downMs: number): Promise<void> => {
  const pid = Number(fs.readFileSync(path.join(dir, "run", "slurm", "slurmctld.pid"), "utf8").trim())
  process.kill(pid, "SIGTERM")
  const gone = () => {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] === "Z"
    } catch {
      return true
    }
  }
  while (!gone()) await new Promise((r) => setTimeout(r, 50))
  await new Promise((r) => setTimeout(r, downMs))
  execFileSync("slurmctld", ["-f", path.join(dir, "etc", "slurm.conf")], { stdio: "ignore", timeout: 30_000 })
}
