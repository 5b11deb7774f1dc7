/** A Hugging Face Hub repo id, ORG/NAME: what the spec's `publish.repo` and `revo publish --repo` accept (one definition). */
export const HUB_REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/u
