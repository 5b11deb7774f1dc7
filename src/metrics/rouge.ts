// ROUGE-L as the COCO caption toolkit computes it: LCS over tokens split on " " (so an
// empty caption is one empty token), max precision and max recall over the references,
// F-measure with beta 1.2.

const BETA = 1.2

let row = new Int32Array(64)

/** Length of the longest common subsequence (one rolling row). Works on strings or ids. */
export function lcsLength<T>(a: ReadonlyArray<T>, b: ReadonlyArray<T>): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a]
  if (row.length <= short.length) row = new Int32Array(2 * (short.length + 1))
  row.fill(0, 0, short.length + 1)
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

/** Per-item ROUGE-L on token arrays as the toolkit splits them (an empty caption is [""]). */
export function rougeLTokens<T>(c: ReadonlyArray<T>, references: ReadonlyArray<ReadonlyArray<T>>): number {
  let precMax = 0
  let recMax = 0
  for (const r of references) {
    const lcs = lcsLength(r, c)
    precMax = Math.max(precMax, lcs / c.length)
    recMax = Math.max(recMax, lcs / r.length)
  }
  if (precMax === 0 || recMax === 0) return 0
  return ((1 + BETA ** 2) * precMax * recMax) / (recMax + BETA ** 2 * precMax)
}

/** Per-item ROUGE-L; `candidate` and `references` are tokenized strings. */
export function rougeL(candidate: string, references: ReadonlyArray<string>): number {
  return rougeLTokens(candidate.split(" "), references.map((r) => r.split(" ")))
}
