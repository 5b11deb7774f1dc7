/**
 * Finding bytes that are not UTF-8, so a source with a stray Latin-1 byte gives a bad row that
 * names the byte and its offset instead of a silent U+FFFD in a reference (which would then be
 * scored). The check itself is Node's native `isUtf8`; the scan below only runs to locate the
 * first bad byte of text already known to be invalid.
 */
import { isUtf8 } from "node:buffer"

export { isUtf8 }

/** The offset in `bytes` of the first byte that does not belong to valid UTF-8, or -1. */
export const firstInvalidUtf8 = (bytes: Uint8Array): number => {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (need < 0) return i
    // the second byte's range excludes overlong forms, surrogates and code points above U+10FFFF
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined) return i
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i
    }
    i += need + 1
  }
  return -1
}

/** "byte 0xE9 at byte offset 1234": what a bad row or a file error says about an invalid byte. */
export const describeInvalidByte = (bytes: Uint8Array, at: number, fileOffset: number): string =>
  `not UTF-8: byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")} at byte offset ${fileOffset} of the file`
