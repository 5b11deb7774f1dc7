/**
 * Secret masking for everything revo writes that a plugin or a server produced (logs, events,
 * task records, error messages). It must never be the only guard: secrets are also kept out of
 * manifests' reach and out of argv; this is the net for what a plugin prints itself.
 */

/** Environment variable names whose values are treated as secrets wherever they are granted. */
export const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL/i

/**
 * Values shorter than this are not masked: replacing every "abc" in a log would garble it, and
 * a value that short protects nothing anyway.
 */
export const MIN_SECRET_LENGTH = 4

/** Anything shaped like a Hugging Face token, granted or not (a server may echo one back). */
const HF_TOKEN_SHAPE = /\bhf_[A-Za-z0-9]{6,}\b/g

/** The values of an environment's secret-looking variables, longest first (so a secret that contains another is masked whole). */
export const secretValues = (env: Readonly<Record<string, string | undefined>>): Array<string> => {
  const values = new Set<string>()
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH && SECRET_NAME.test(name)) values.add(value)
  }
  return [...values].sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
}

/** Replace each of `secrets` by `mask`, and every HF-token-shaped word by `hf_***`. */
export const redact = (text: string, secrets: ReadonlyArray<string>, mask = "***"): string => {
  let out = text
  for (const s of secrets) if (s.length > 0 && out.includes(s)) out = out.split(s).join(mask)
  return out.replace(HF_TOKEN_SHAPE, "hf_***")
}

/**
 * Masks a text stream that arrives in arbitrary pieces: a secret cut between two pieces is
 * still masked, because the last `keep` characters are held back until more text (or the end)
 * arrives, and the cut never falls inside a secret.
 */
export class StreamRedactor {
  private pending = ""
  private readonly secrets: ReadonlyArray<string>
  private readonly keep: number
  constructor(secrets: ReadonlyArray<string>) {
    this.secrets = secrets
    // HF tokens are about 37 characters; hold back more than that, or than the longest secret.
    this.keep = Math.max(64, ...secrets.map((s) => s.length))
  }
  push(text: string): string {
    this.pending += text
    let cut = this.pending.length - this.keep
    if (cut <= 0) return ""
    // Move the cut past any secret that straddles it, so both halves are masked whole.
    for (const s of this.secrets) {
      let i = this.pending.indexOf(s, Math.max(0, cut - s.length + 1))
      while (i !== -1 && i < cut) {
        if (i + s.length > cut) cut = i + s.length
        i = this.pending.indexOf(s, i + 1)
      }
    }
    for (const m of this.pending.slice(Math.max(0, cut - 512), cut + 512).matchAll(HF_TOKEN_SHAPE)) {
      const start = Math.max(0, cut - 512) + m.index
      if (start < cut && start + m[0].length > cut) cut = start + m[0].length
    }
    const out = this.pending.slice(0, cut)
    this.pending = this.pending.slice(cut)
    return redact(out, this.secrets)
  }
  end(): string {
    const out = redact(this.pending, this.secrets)
    this.pending = ""
    return out
  }
}
