/** One candidate answer with its references: what every metric scores (its own module, so the
 * metric modules and the Scorer that combines them can share it without importing each other). */
export interface ScoreItem {
  readonly id: string
  readonly candidate: string
  readonly references: ReadonlyArray<string>
}
