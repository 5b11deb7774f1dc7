#!/usr/bin/env node
// The `revo` executable. revo is TypeScript run by Node 24's type stripping; when this shim is
// started by an older system Node, it re-executes itself with the project's pinned Node.
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"

const major = Number(process.versions.node.split(".")[0])
if (major >= 24) {
  // Node's compile cache keeps the compiled sources between runs (a no-op rerun is mostly start-up).
  try {
    const { enableCompileCache } = await import("node:module")
    const { fileURLToPath } = await import("node:url")
    const dir = process.env.REVO_CACHE_DIR || fileURLToPath(new URL("../node_modules/.cache/revo", import.meta.url))
    enableCompileCache(`${dir}/node-compile-cache`)
  } catch {
    // no cache only costs speed
  }
  const argv = process.argv.slice(2)
  // `revo score` is often run in loops over many files: it skips the CLI framework's start-up
  // unless its arguments need the framework (--help and the like; score.ts decides).
  let done = false
  if (argv[0] === "score") {
    process.env.REVO_SCORE_DIRECT = "1"
    done = await import("../src/cli/score.ts").then((m) => m.scoreDirect(argv.slice(1)))
  }
  if (!done) await import("../src/cli/main.ts").then((m) => m.runCli(argv))
} else {
  const require = createRequire(import.meta.url)
  let nodeBin
  try {
    nodeBin = require.resolve("node/bin/node")
  } catch {
    console.error(`revo needs Node.js 24 or newer (this is ${process.version}); run \`npm ci\` in the revo folder to install the pinned one.`)
    process.exit(2)
  }
  const r = spawnSync(nodeBin, [new URL("../src/cli/main.ts", import.meta.url).pathname, ...process.argv.slice(2)], { stdio: "inherit" })
  process.exit(r.status ?? (r.signal === "SIGINT" ? 130 : 1))
}
