// Task metrics for short answers: VQA accuracy, exact match, POPE yes/no and multiple-choice
// letters, each with the rule of the evaluation script that defines it (README.md gives the
// sources). Pure functions over strings, one item at a time: no value depends on what else
// is scored. Python's string semantics are reproduced where they differ from JavaScript's
// (str.strip/str.split whitespace, Unicode \d in `re`), so the values match the scripts'.

/** Characters Python's str.isspace() accepts (str.strip() and str.split() use them); JS's \s
 * differs (it has U+FEFF, lacks U+001C-U+001F and U+0085). */
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu")
const PY_SPLIT = new RegExp(`[${PY_SPACE}]+`, "u")

const pyStrip = (s: string): string => s.replace(PY_STRIP, "")
const pySplit = (s: string): Array<string> => {
  const t = pyStrip(s)
  return t === "" ? [] : t.split(PY_SPLIT)
}

// ---- VQA answer processing (VQA vqaEval.py, latest "Fixed processing answers bug") ----

// Its punctuation list (note: no apostrophe, no colon, no period: periods are handled below).
const PUNCT = [";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"]
// Python's \d in a str pattern is any Unicode decimal digit.
const COMMA_BETWEEN_DIGITS = /\p{Nd},\p{Nd}/u
// The script's period pattern "(?!<=\d)(\.)(?!\d)" begins with a lookahead that can never
// fail before a period (it was meant as a lookbehind), so it is "a period not followed by a
// digit"; and it passes re.UNICODE (= 32) where re.sub takes `count`, so at most 32 go.
const PERIOD = /\.(?!\p{Nd})/gu
const PERIOD_COUNT = 32

const NUMBER_WORDS: Readonly<Record<string, string>> = {
  none: "0", zero: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9", ten: "10",
}
const ARTICLES = new Set(["a", "an", "the"])
// The script's contraction table, as "from to" pairs (its entries with capitals can never
// match: words are lowercased first; they are kept so that the table is the script's).
const CONTRACTIONS: ReadonlyMap<string, string> = new Map(
  `aint ain't|arent aren't|cant can't|couldve could've|couldnt couldn't|couldn'tve couldn't've|couldnt've couldn't've|didnt didn't|doesnt doesn't|dont don't|hadnt hadn't|hadnt've hadn't've|hadn'tve hadn't've|hasnt hasn't|havent haven't|hed he'd|hed've he'd've|he'dve he'd've|hes he's|howd how'd|howll how'll|hows how's|Id've I'd've|I'dve I'd've|Im I'm|Ive I've|isnt isn't|itd it'd|itd've it'd've|it'dve it'd've|itll it'll|let's let's|maam ma'am|mightnt mightn't|mightnt've mightn't've|mightn'tve mightn't've|mightve might've|mustnt mustn't|mustve must've|neednt needn't|notve not've|oclock o'clock|oughtnt oughtn't|ow's'at 'ow's'at|'ows'at 'ow's'at|'ow'sat 'ow's'at|shant shan't|shed've she'd've|she'dve she'd've|she's she's|shouldve should've|shouldnt shouldn't|shouldnt've shouldn't've|shouldn'tve shouldn't've|somebody'd somebodyd|somebodyd've somebody'd've|somebody'dve somebody'd've|somebodyll somebody'll|somebodys somebody's|someoned someone'd|someoned've someone'd've|someone'dve someone'd've|someonell someone'll|someones someone's|somethingd something'd|somethingd've something'd've|something'dve something'd've|somethingll something'll|thats that's|thered there'd|thered've there'd've|there'dve there'd've|therere there're|theres there's|theyd they'd|theyd've they'd've|they'dve they'd've|theyll they'll|theyre they're|theyve they've|twas 'twas|wasnt wasn't|wed've we'd've|we'dve we'd've|weve we've|werent weren't|whatll what'll|whatre what're|whats what's|whatve what've|whens when's|whered where'd|wheres where's|whereve where've|whod who'd|whod've who'd've|who'dve who'd've|wholl who'll|whos who's|whove who've|whyll why'll|whyre why're|whys why's|wont won't|wouldve would've|wouldnt wouldn't|wouldnt've wouldn't've|wouldn'tve wouldn't've|yall y'all|yall'll y'all'll|y'allll y'all'll|yall'd've y'all'd've|y'alld've y'all'd've|y'all'dve y'all'd've|youd you'd|youd've you'd've|you'dve you'd've|youll you'll|youre you're|youve you've`
    .split("|").map((p) => p.split(" ") as [string, string]),
)

/** processPunctuation: each listed mark is deleted when the text has it next to a space or
 * has a digit,digit comma anywhere, else replaced by a space (tested on the input text, not
 * the text as it is being changed); then up to 32 periods not before a digit are deleted. */
export const vqaPunctuation = (text: string): string => {
  const commaNumber = COMMA_BETWEEN_DIGITS.test(text)
  let out = text
  for (const p of PUNCT) {
    out = out.replaceAll(p, commaNumber || text.includes(`${p} `) || text.includes(` ${p}`) ? "" : " ")
  }
  let n = 0
  return out.replace(PERIOD, (m) => (n++ < PERIOD_COUNT ? "" : m))
}

/** processDigitArticle: lowercase, split on whitespace, number words to digits, articles
 * dropped, contractions given their apostrophes, joined by single spaces. */
export const vqaDigitArticle = (text: string): string => {
  const words: Array<string> = []
  for (const w of pySplit(text.toLowerCase())) {
    const word = NUMBER_WORDS[w] ?? w
    if (!ARTICLES.has(word)) words.push(CONTRACTIONS.get(word) ?? word)
  }
  return words.join(" ")
}

/** Newlines and tabs to spaces, then stripped: what the script does to every answer first. */
const vqaClean = (s: string): string => pyStrip(s.replaceAll("\n", " ").replaceAll("\t", " "))

/** The full answer processing (punctuation, then digits/articles/contractions). */
export const vqaNormalize = (s: string): string => vqaDigitArticle(vqaPunctuation(vqaClean(s)))

/**
 * VQA accuracy of one answer (vqaEval.py, exact value before its rounding): answers cleaned;
 * when the references are not all the same, both sides fully processed; then the mean, over
 * each reference left out in turn, of min(1, matches among the others / 3).
 */
export const vqaAccuracy = (candidate: string, references: ReadonlyArray<string>): number => {
  let refs = references.map(vqaClean)
  let cand = vqaClean(candidate)
  if (new Set(refs).size > 1) {
    refs = refs.map((r) => vqaDigitArticle(vqaPunctuation(r)))
    cand = vqaDigitArticle(vqaPunctuation(cand))
  }
  let same = 0
  for (const r of refs) if (r === cand) same++
  let sum = 0
  // Leaving out reference i: the others match `same` times, one fewer when i itself matched.
  for (const r of refs) sum += Math.min(1, (r === cand ? same - 1 : same) / 3)
  return sum / refs.length
}

/** 1 when the processed candidate equals some processed reference (both sides always
 * processed, unlike vqaAccuracy's all-identical shortcut), else 0. */
export const exactMatch = (candidate: string, references: ReadonlyArray<string>): number => {
  const cand = vqaNormalize(candidate)
  return references.some((r) => vqaNormalize(r) === cand) ? 1 : 0
}

// ---- POPE yes/no (LLaVA llava/eval/eval_pope.py) ----

/** The answer's polarity by LLaVA's POPE rule: the text up to the first period, commas
 * dropped, split on single spaces; "No", "not" or "no" among the words means no, anything
 * else yes. */
export const popeSaysYes = (text: string): boolean => {
  const dot = text.indexOf(".")
  const words = (dot >= 0 ? text.slice(0, dot) : text).replaceAll(",", "").split(" ")
  return !(words.includes("No") || words.includes("not") || words.includes("no"))
}

/** The label of a yes/no item: its first reference, "yes" or "no" (any case, trimmed). The
 * script reads anything but "no" as yes; here anything but yes/no is an error, so a dataset
 * mapped to the wrong field fails loudly instead of counting as all-yes. */
export const yesNoLabel = (id: string, references: ReadonlyArray<string>): boolean => {
  const label = (references[0] ?? "").trim().toLowerCase()
  if (label === "yes") return true
  if (label === "no") return false
  throw new RangeError(`item ${id}: yes_no needs the reference "yes" or "no", got ${JSON.stringify(references[0] ?? "")}`)
}

/** Confusion counts of yes/no items (yes is the positive class). */
export class YesNoCounts {
  tp = 0
  fp = 0
  tn = 0
  fn = 0
  add(predYes: boolean, labelYes: boolean): void {
    if (predYes) labelYes ? this.tp++ : this.fp++
    else labelYes ? this.fn++ : this.tn++
  }
  /** The script's accuracy, precision, recall, F1 and yes-ratio. Where it would divide by
   * zero (no items, no yes predictions, no yes labels), the value is 0. */
  summary(): { readonly accuracy: number; readonly precision: number; readonly recall: number; readonly f1: number; readonly yes_ratio: number } {
    const { tp, fp, tn, fn } = this
    const n = tp + fp + tn + fn
    const div = (a: number, b: number): number => (b === 0 ? 0 : a / b)
    const precision = div(tp, tp + fp)
    const recall = div(tp, tp + fn)
    return { accuracy: div(tp + tn, n), precision, recall, f1: div(2 * precision * recall, precision + recall), yes_ratio: div(tp + fp, n) }
  }
}

// ---- Multiple choice (LLaVA-1.5 llava/eval/eval_science_qa.py) ----

const OPTIONS = ["A", "B", "C", "D", "E"]
// "The answer is X." where the last character is any but a newline (Python's `.`; JS's `.`
// would also refuse \r, U+2028 and U+2029).
const ANSWER_IS = /The answer is ([A-Z])[^\n]/g

/** The option letter of an answer by LLaVA-1.5's ScienceQA rule: the bare letter, or "X. …",
 * or the one match of `The answer is X.`; undefined (wrong) otherwise: no random guess. */
export const choiceLetter = (text: string): string | undefined => {
  if (OPTIONS.includes(text)) return text
  if (text.length >= 3 && OPTIONS.includes(text[0] as string) && text.slice(1, 3) === ". ") return text[0]
  const found = [...text.matchAll(ANSWER_IS)]
  const letter = found.length === 1 ? (found[0] as RegExpMatchArray)[1] : undefined
  // The script keeps only letters among its options (A-E).
  return letter !== undefined && OPTIONS.includes(letter) ? letter : undefined
}

/** The reference letter of a choice item: its first reference, one of A-E (trimmed). */
export const choiceReference = (id: string, references: ReadonlyArray<string>): string => {
  const r = (references[0] ?? "").trim()
  if (!OPTIONS.includes(r)) throw new RangeError(`item ${id}: choice needs the reference letter A-E, got ${JSON.stringify(references[0] ?? "")}`)
  return r
}
