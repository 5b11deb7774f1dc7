/**
 * File-system and hashing primitives, one home for each (atomic writes, walks, hashes, JSON
 * Lines). Everything that writes results or hashes content goes through here, so durability and
 * hashing are the same everywhere.
 */
import { createHash } from "node:crypto"

/** sha256 of bytes or text (UTF-8), lowercase hex. */
export const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex")
