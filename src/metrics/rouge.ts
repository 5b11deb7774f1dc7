// ROUGE-L as the COCO caption toolkit computes it: LCS over tokens split on " " (so an
// empty caption is one empty token), max precision and max recall over the references,
// F-measure with beta 1.2.

const BETA = 1.2

/** Length of the longest common subsequence (one rolling row). */
export function lcsLength(a: ReadonlyArray<string>, b: ReadonlyArray<string>): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a]
  const row = new Int32Array(short.length + 1)
  for (let i = 1; i <= long.length; i++) {
    const x = long[i - 1]
    let diag = 0
    for (let j = 1; j <= short.length; j++) {
      const up = row[j] as number
      row[j] = x === short[j - 1] ? diag + 1 : Math.max(up, row[j - 1] as number)
      diag = up
    }
  }
  return row[short.length] as number
}

/** Per-item ROUGE-L; `candidate` and `references` are tokenized strings. */
export function rougeL(candidate: string, references: ReadonlyArray<string>): number {
  const c = candidate.split(" ")
  let precMax = 0
  let recMax = 0
  for (const ref of references) {
    const r = ref.split(" ")
    const lcs = lcsLength(r, c)
    precMax = Math.max(precMax, lcs / c.length)
    recMax = Math.max(recMax, lcs / r.length)
  }
  if (precMax === 0 || recMax === 0) return 0
  return ((1 + BETA ** 2) * precMax * recMax) / (recMax + BETA ** 2 * precMax)
}
