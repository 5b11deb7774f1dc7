/**
 * hf:// dataset files for the data layer (src/data/load.ts `RemoteFiles`): the data layer sits
 * below the Hub, so the commands and the plan hand this resolver to it. The download code (and
 * @huggingface/hub with it) loads only when a spec names an hf:// file.
 */
import * as Effect from "effect/Effect"
import type { RemoteFiles } from "../data/load.ts"
import type { DownloadOptions } from "./download.ts"
import type { HubError } from "./errors.ts"

const download = () => Effect.promise(() => import("./download.ts"))

export const hubFiles = (options: DownloadOptions = {}): RemoteFiles<HubError> => ({
  resolve: (url) => Effect.flatMap(download(), (m) => m.resolveHubFile(url, options)),
  isCached: (url) => Effect.map(download(), (m) => m.isCached(url, options))
})
