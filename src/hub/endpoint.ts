/**
 * Where the Hub is and who we are. @huggingface/hub never reads HF_ENDPOINT or HF_TOKEN itself,
 * so every call gets `hubUrl` (and the token) from here.
 */
import { HubAuthError } from "./errors.ts"

export const DEFAULT_ENDPOINT = "https://huggingface.co"

export interface EndpointOptions {
  readonly endpoint?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** explicit option > HF_ENDPOINT > https://huggingface.co; without a trailing slash. */
export const endpointFrom = (opts: EndpointOptions = {}): string => {
  const env = opts.env ?? process.env
  const raw = [opts.endpoint, env.HF_ENDPOINT].find((v) => v !== undefined && v.trim() !== "") ?? DEFAULT_ENDPOINT
  return raw.trim().replace(/\/+$/, "")
}

/** HF_TOKEN when set and non-empty. */
export const tokenFromEnv = (env: Readonly<Record<string, string | undefined>> = process.env): string | undefined => {
  const t = env.HF_TOKEN?.trim()
  return t === undefined || t === "" ? undefined : t
}

/** The library rejects tokens without the `hf_` prefix with a TypeError; say so in our own words first. */
export const checkTokenShape = (token: string | undefined): HubAuthError | undefined => {
  if (token === undefined || token === "") {
    return new HubAuthError({
      reason: "missing",
      message: "No Hugging Face token: set HF_TOKEN to a token with write access (https://huggingface.co/settings/tokens)."
    })
  }
  if (!token.startsWith("hf_")) {
    return new HubAuthError({ reason: "malformed", message: "HF_TOKEN does not look like a Hugging Face token (it must start with 'hf_')." })
  }
  return undefined
}
