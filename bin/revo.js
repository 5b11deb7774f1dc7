#!/bin/sh
":" //; f=$(readlink -f -- "$0" 2>/dev/null) || f=$0; d=${f%/*}; for n in "$d/../node_modules/node/bin/node" "$d/../../node/bin/node"; do if [ -x "$n" ]; then exec "$n" "$f" "$@"; fi; done; exec node "$f" "$@"
// The `revo` executable, written so that no command pays for more than it uses.
//
// The two lines above are both shell and JavaScript. Run as a program (`revo`, `npx revo`,
// `./bin/revo.js`), the shell line replaces itself with the project's pinned Node 24 (the `node`
// package): one Node start and no wrapper process between the user's Ctrl-C and revo. Run as
// `node bin/revo.js`, Node skips the first line and reads `":"` as a string and the rest as a
// comment, and the code below runs.
//
// Under an older Node (a system Node 20), this file starts the pinned Node itself: by
// `process.execve` where this Node has it (the process is replaced, nothing stays in between),
// else as a child that receives every INT, TERM and HUP this process gets and whose exit code
// (or signal) this process passes on.
import { readFileSync } from "node:fs"

const argv = process.argv.slice(2)

// `revo --version` needs nothing but package.json: no Node 24, no CLI framework.
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  process.stdout.write(`revo v${version}\n`)
} else if (Number(process.versions.node.split(".")[0]) >= 24) {
  // Node's compile cache keeps the compiled sources between runs (a no-op rerun is mostly start-up).
  try {
    const { enableCompileCache } = await import("node:module")
    const { fileURLToPath } = await import("node:url")
    const dir = process.env.REVO_CACHE_DIR || fileURLToPath(new URL("../node_modules/.cache/revo", import.meta.url))
    enableCompileCache(`${dir}/node-compile-cache`)
  } catch {
    // no cache only costs speed
  }
  // `revo score` is often run in loops over many files: it skips the CLI framework's start-up
  // unless its arguments need the framework (--help and the like; score-args.ts decides).
  let done = false
  if (argv[0] === "score") {
    process.env.REVO_SCORE_DIRECT = "1"
    done = await import("../src/cli/score.ts").then((m) => m.scoreDirect(argv.slice(1)))
  } else if (argv[0] === "run") {
    // A rerun that a proof shows has nothing to do answers before the CLI framework loads
    // (src/cli/run-fast.ts); anything else, or any doubt, falls through to the full run.
    done = await import("../src/cli/run-fast.ts").then((m) => m.runFast(argv.slice(1)))
  }
  if (!done) await import("../src/cli/main.ts").then((m) => m.runCli(argv))
} else {
  const { createRequire } = await import("node:module")
  const { fileURLToPath } = await import("node:url")
  let nodeBin
  try {
    nodeBin = createRequire(import.meta.url).resolve("node/bin/node")
  } catch {
    console.error(`revo needs Node.js 24 or newer (this is ${process.version}); run \`npm ci\` in the revo folder to install the pinned one.`)
    process.exit(2)
  }
  const self = fileURLToPath(import.meta.url)
  if (typeof process.execve === "function") process.execve(nodeBin, [nodeBin, self, ...argv], process.env)
  const { spawn } = await import("node:child_process")
  const { constants } = await import("node:os")
  // Same process group as this one: a terminal's Ctrl-C reaches both (a second SIGINT only
  // repeats the interrupt), and revo keeps the terminal for its input and live view.
  const child = spawn(nodeBin, [self, ...argv], { stdio: "inherit" })
  const forwarded = ["SIGINT", "SIGTERM", "SIGHUP"]
  const forward = (signal) => child.kill(signal)
  for (const s of forwarded) process.on(s, forward)
  child.on("error", (e) => {
    console.error(`revo: could not start ${nodeBin}: ${e.message}`)
    process.exit(2)
  })
  child.on("exit", (code, signal) => {
    for (const s of forwarded) process.off(s, forward)
    if (signal === null) process.exit(code ?? 1)
    // Die of the same signal, so the caller sees what the real process saw.
    process.kill(process.pid, signal)
    process.exit(128 + (constants.signals[signal] ?? 0))
  })
}
