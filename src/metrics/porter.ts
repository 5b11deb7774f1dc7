// NLTK's PorterStemmer in its default NLTK_EXTENSIONS mode, written by hand from the
// algorithm as NLTK states it. No npm stemmer reproduces NLTK's variant (its irregular-form
// pool, the length <= 2 guard, the 'ies'/'ied' and step-1c/step-2 extensions), and METEOR's
// stem stage must match NLTK exactly, so this is not a published Porter implementation.

const POOL: Record<string, string> = {}
for (const [stem, forms] of Object.entries({
  sky: ["sky", "skies"], die: ["dying"], lie: ["lying"], tie: ["tying"], news: ["news"],
  inning: ["innings", "inning"], outing: ["outings", "outing"], canning: ["cannings", "canning"],
  howe: ["howe"], proceed: ["proceed"], exceed: ["exceed"], succeed: ["succeed"],
})) for (const f of forms) POOL[f] = stem

const isVowelChar = (c: string | undefined): boolean => c === "a" || c === "e" || c === "i" || c === "o" || c === "u"

function isConsonant(w: string, i: number): boolean {
  const c = w[i]
  if (isVowelChar(c)) return false
  if (c === "y") return i === 0 ? true : !isConsonant(w, i - 1)
  return true
}

/** Porter's m: the number of VC sequences. */
function measure(stem: string): number {
  let m = 0
  let prevVowel = false
  for (let i = 0; i < stem.length; i++) {
    const cons = isConsonant(stem, i)
    if (cons && prevVowel) m++
    prevVowel = !cons
  }
  return m
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true
  return false
}

const endsDoubleConsonant = (w: string): boolean =>
  w.length >= 2 && w[w.length - 1] === w[w.length - 2] && isConsonant(w, w.length - 1)

function endsCvc(w: string): boolean {
  const n = w.length
  return (
    (n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1) &&
      w[n - 1] !== "w" && w[n - 1] !== "x" && w[n - 1] !== "y") ||
    (n === 2 && !isConsonant(w, 0) && isConsonant(w, 1))
  )
}

// Rule tables are module constants (built once, not per word); a condition gets the stem
// and the whole word, and the "*d" rule's replacement is the stem's last letter.
type Rule = readonly [suffix: string, replacement: string, condition: ((stem: string, word: string) => boolean) | null]

/** First rule whose suffix matches decides: apply it if its condition holds, else stop. */
function applyRules(word: string, rules: ReadonlyArray<Rule>): string {
  for (let r = 0; r < rules.length; r++) {
    const [suffix, replacement, condition] = rules[r] as Rule
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2)
      return condition === null || condition(stem, word) ? stem + (word[word.length - 1] as string) : word
    }
    if (word.endsWith(suffix)) {
      const stem = suffix === "" ? word : word.slice(0, -suffix.length)
      return condition === null || condition(stem, word) ? stem + replacement : word
    }
  }
  return word
}

const positive = (stem: string): boolean => measure(stem) > 0
const gt1 = (stem: string): boolean => measure(stem) > 1

function step1a(w: string): string {
  if (w.endsWith("ies") && w.length === 4) return w.slice(0, -3) + "ie"
  return applyRules(w, STEP1A)
}
const STEP1A: ReadonlyArray<Rule> = [["sses", "ss", null], ["ies", "i", null], ["ss", "ss", null], ["s", "", null]]

function step1b(w: string): string {
  if (w.endsWith("ied")) return w.slice(0, -3) + (w.length === 4 ? "ie" : "i")
  if (w.endsWith("eed")) {
    const stem = w.slice(0, -3)
    return measure(stem) > 0 ? stem + "ee" : w
  }
  let mid: string | undefined
  for (const suffix of ["ed", "ing"]) {
    if (w.endsWith(suffix)) {
      const s = w.slice(0, -suffix.length)
      if (containsVowel(s)) {
        mid = s
        break
      }
    }
  }
  if (mid === undefined) return w
  return applyRules(mid, STEP1B)
}
const STEP1B: ReadonlyArray<Rule> = [
  ["at", "ate", null],
  ["bl", "ble", null],
  ["iz", "ize", null],
  ["*d", "", (_stem, word) => {
    const last = word[word.length - 1]
    return last !== "l" && last !== "s" && last !== "z"
  }],
  ["", "e", (stem) => measure(stem) === 1 && endsCvc(stem)],
]

const STEP1C: ReadonlyArray<Rule> = [["y", "i", (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]
const step1c = (w: string): string => applyRules(w, STEP1C)

function step2(w: string): string {
  if (w.endsWith("alli") && positive(w.slice(0, -4))) return step2(w.slice(0, -4) + "al")
  return applyRules(w, STEP2)
}
const STEP2: ReadonlyArray<Rule> = [
    ["ational", "ate", positive],
    ["tional", "tion", positive],
    ["enci", "ence", positive],
    ["anci", "ance", positive],
    ["izer", "ize", positive],
    ["bli", "ble", positive],
    ["alli", "al", positive],
    ["entli", "ent", positive],
    ["eli", "e", positive],
    ["ousli", "ous", positive],
    ["ization", "ize", positive],
    ["ation", "ate", positive],
    ["ator", "ate", positive],
    ["alism", "al", positive],
    ["iveness", "ive", positive],
    ["fulness", "ful", positive],
    ["ousness", "ous", positive],
    ["aliti", "al", positive],
    ["iviti", "ive", positive],
    ["biliti", "ble", positive],
    ["fulli", "ful", positive],
    // NLTK keeps the 'l' of 'logi' with the stem when measuring.
    ["logi", "log", (_stem, word) => positive(word.slice(0, -3))],
]

const STEP3: ReadonlyArray<Rule> = [
    ["icate", "ic", positive],
    ["ative", "", positive],
    ["alize", "al", positive],
    ["iciti", "ic", positive],
    ["ical", "ic", positive],
    ["ful", "", positive],
    ["ness", "", positive],
]
const step3 = (w: string): string => applyRules(w, STEP3)

const STEP4: ReadonlyArray<Rule> = [
    ["al", "", gt1],
    ["ance", "", gt1],
    ["ence", "", gt1],
    ["er", "", gt1],
    ["ic", "", gt1],
    ["able", "", gt1],
    ["ible", "", gt1],
    ["ant", "", gt1],
    ["ement", "", gt1],
    ["ment", "", gt1],
    ["ent", "", gt1],
    ["ion", "", (stem) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))],
    ["ou", "", gt1],
    ["ism", "", gt1],
    ["ate", "", gt1],
    ["iti", "", gt1],
    ["ous", "", gt1],
    ["ive", "", gt1],
    ["ize", "", gt1],
]
const step4 = (w: string): string => applyRules(w, STEP4)

function step5a(w: string): string {
  if (w.endsWith("e")) {
    const stem = w.slice(0, -1)
    const m = measure(stem)
    if (m > 1) return stem
    if (m === 1 && !endsCvc(stem)) return stem
  }
  return w
}

const STEP5B: ReadonlyArray<Rule> = [["ll", "l", (_stem, word) => measure(word.slice(0, -1)) > 1]]
const step5b = (w: string): string => applyRules(w, STEP5B)

/** NLTK PorterStemmer().stem(word) (lowercases first, as NLTK does by default). */
export function porterStem(word: string): string {
  const stem = word.toLowerCase()
  if (Object.hasOwn(POOL, word)) return POOL[stem] ?? stem
  // Python's len counts code points.
  if (word.length <= 2 || (word.length <= 4 && [...word].length <= 2)) return stem
  return step5b(step5a(step4(step3(step2(step1c(step1b(step1a(stem))))))))
}
