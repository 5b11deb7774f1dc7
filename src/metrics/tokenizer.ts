// The COCO caption toolkit's tokenizer: pycocoevalcap runs Stanford CoreNLP 3.4.1's
// PTBTokenizer (-preserveLines -lowerCase) over each caption, then drops the tokens in its
// PUNCTUATIONS list. This is a hand-written re-implementation of the PTB rules that
// captions exercise (no Java at run time); see README.md for what it does not cover.

/** pycocoevalcap's PUNCTUATIONS, less its "-LRB-", "-RRB-", "-LCB-", "-RCB-": it compares
 * them with lowercased tokens, where they never match, so brackets survive as "-lrb-" etc.
 * Leaving them out lets the filter run before lowercasing with the same result. */
const PUNCTUATIONS = new Set(["''", "'", "``", "`", ".", "?", "!", ",", ":", "-", "--", "...", ";"])

const BRACKETS: Record<string, string> = {
  "(": "-LRB-", ")": "-RRB-", "[": "-LSB-", "]": "-RSB-", "{": "-LCB-", "}": "-RCB-",
}

// Abbreviations that keep their period. Titles never end a sentence; the others, when they
// end the line (or precede a capitalised word), are followed by an extra "." as PTB does.
const TITLES = new Set([
  "mr", "mrs", "ms", "messrs", "dr", "prof", "gen", "rep", "sen", "gov", "lt", "col", "capt", "sgt",
  "rev", "hon", "st", "mt", "ft", "no", "vs", "v", "e.g", "i.e", "jan", "feb", "mar", "apr", "jun",
  "jul", "aug", "sep", "sept", "oct", "nov", "dec",
])
const SENTENCE_FINAL_ABBREV = new Set(["etc", "inc", "corp", "co", "ltd", "jr", "sr", "bros", "assn", "dept"])

const WORD_CHAR_RE = /[\p{L}\p{M}\p{N}]/u
const ACRONYM = /^(?:\p{L}\.)+\p{L}$/u
const CONTRACTION = /^(.+?)('s|'re|'ve|'ll|'d|'m)$/iu
const SPLIT_WORDS: Record<string, [string, string]> = {
  cannot: ["can", "not"], gonna: ["gon", "na"], gotta: ["got", "ta"], wanna: ["wan", "na"],
  lemme: ["lem", "me"], gimme: ["gim", "me"],
}
// PTBTokenizer deletes characters no rule matches ("untokenizable"); emoji and controls.
const UNTOKENIZABLE = /[\p{Extended_Pictographic}\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\u{FE0E}\u{FE0F}]/gu
const NOT_PLAIN_ASCII = /[^\x20-\x7e]/
const SPACE_RE = /\s/u

// Character classes by char code; non-ASCII falls back to the Unicode regexes.
function isWordCode(s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)
  if (c !== c) return false // NaN: past the end
  return WORD_CHAR_RE.test(s[i] as string)
}
function isSpaceCode(s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  if (c < 128) return c === 32 || (c >= 9 && c <= 13)
  if (c !== c) return true // NaN: past the end counts as a boundary
  return SPACE_RE.test(s[i] as string)
}
const isDigitCode = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i)
  return (c >= 48 && c <= 57) || (c >= 128 && /\p{N}/u.test(s[i] as string))
}

/** End of the word starting at i: word characters joined by single inner hyphens,
 * apostrophes, periods, ampersands; commas, colons and slashes only between digits
 * (10,000 1/2 3:30). */
function wordEnd(s: string, i: number): number {
  let j = i
  while (true) {
    while (isWordCode(s, j)) j++
    const c = s.charCodeAt(j)
    if ((c === 45 || c === 39 || c === 46 || c === 38) && isWordCode(s, j + 1)) {
      j++
      continue
    }
    if ((c === 44 || c === 58 || c === 47) && isDigitCode(s, j - 1) && isDigitCode(s, j + 1)) {
      j++
      continue
    }
    return j
  }
}

function pushWord(out: Array<string>, w: string): void {
  const n = w.length
  if (n === 5 || n === 6) {
    const split = SPLIT_WORDS[w.toLowerCase()]
    if (split !== undefined) {
      out.push(w.slice(0, split[0].length), w.slice(split[0].length))
      return
    }
  }
  if (w.indexOf("'") < 0) {
    out.push(w)
    return
  }
  if (n > 3 && w.slice(-3).toLowerCase() === "n't") {
    out.push(w.slice(0, -3), w.slice(-3))
    return
  }
  const m = CONTRACTION.exec(w)
  if (m !== null && m[1] !== undefined && m[2] !== undefined && WORD_CHAR_RE.test(m[1].slice(-1))) {
    out.push(m[1], m[2])
    return
  }
  out.push(w)
}

/** PTB tokens of one line, original case, before lowercasing and the punctuation filter. */
export function ptbTokens(text: string): Array<string> {
  let s = text
  if (NOT_PLAIN_ASCII.test(s)) s = s.replace(UNTOKENIZABLE, (c) => (c === "\t" || c === "\n" || c === "\r" ? " " : ""))
  if (s.indexOf("&") >= 0) s = s.replace(/&amp;/gi, "&")
  const out: Array<string> = []
  const n = s.length
  let i = 0
  while (i < n) {
    if (isSpaceCode(s, i)) {
      i++
      continue
    }
    if (isWordCode(s, i)) {
      let j = wordEnd(s, i)
      let w = s.slice(i, j)
      if (s.charCodeAt(j) === 46) {
        const lw = w.toLowerCase()
        if (TITLES.has(lw) || (lw.indexOf(".") > 0 && ACRONYM.test(w))) {
          w += "."
          j++
        } else if (SENTENCE_FINAL_ABBREV.has(lw)) {
          w += "."
          j++
          let k = j
          while (k < n && isSpaceCode(s, k)) k++
          const next = s[k]
          pushWord(out, w)
          if (next === undefined || (next !== next.toLowerCase() && next === next.toUpperCase())) out.push(".")
          i = j
          continue
        }
      }
      pushWord(out, w)
      i = j
      continue
    }
    const c = s[i] as string
    if (c === '"' || c === "\u201C" || c === "\u201D") {
      const left = c === "\u201C" || (c === '"' && (i === 0 || isSpaceCode(s, i - 1) || /[([{]/.test(s[i - 1] as string)))
      out.push(left ? "``" : "''")
      i++
      continue
    }
    if (c === "'" || c === "\u2018" || c === "\u2019") {
      const left = c === "\u2018" || (c === "'" && (i === 0 || isSpaceCode(s, i - 1)) && isWordCode(s, i + 1))
      out.push(left ? "`" : "'")
      i++
      continue
    }
    if (c === "`") {
      out.push("`")
      i++
      continue
    }
    if (c === "." || c === "\u2026") {
      if (c === "\u2026") {
        out.push("...")
        i++
        continue
      }
      let j = i
      while (s[j] === ".") j++
      out.push(j - i >= 3 ? "..." : s.slice(i, j))
      i = j
      continue
    }
    if (c === "?" || c === "!") {
      let j = i
      while (s[j] === "?" || s[j] === "!") j++
      out.push(s.slice(i, j))
      i = j
      continue
    }
    if (c === "-" || c === "\u2013" || c === "\u2014") {
      if (c !== "-") {
        out.push("--")
        i++
        continue
      }
      let j = i
      while (s[j] === "-") j++
      out.push(j - i >= 2 ? "--" : "-")
      i = j
      continue
    }
    const b = BRACKETS[c]
    if (b !== undefined) {
      out.push(b)
      i++
      continue
    }
    // Any other symbol is a token of its own (one code point).
    const cp = s.codePointAt(i) as number
    const len = cp > 0xffff ? 2 : 1
    out.push(s.slice(i, i + len))
    i += len
  }
  return out
}

/** The PTB tokenizer's output line, lowercased, as the toolkit reads it back (before its filter). */
export function ptbRaw(text: string): string {
  return ptbTokens(text.replace(/\n/g, " ")).join(" ").toLowerCase()
}

/** The caption's tokens as the COCO toolkit scores them: PTB tokens, punctuation dropped,
 * each lowercased. Lowercasing token by token equals lowercasing the joined line, since the
 * only context-sensitive lowercase mapping (final sigma) never looks across a space. */
export function tokenWords(text: string): Array<string> {
  const toks = ptbTokens(text)
  let n = 0
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as string
    if (PUNCTUATIONS.has(t)) continue
    toks[n++] = t.toLowerCase()
  }
  toks.length = n
  return toks
}

/** The caption as the COCO toolkit scores it: PTB tokens, lowercased, punctuation dropped,
 * joined by single spaces (an empty caption stays ""). */
export function tokenize(text: string): string {
  return tokenWords(text).join(" ")
}
