/** splitHash keeps its formula: u from the first 52 bits of sha256(seed, dataset, id). */
import assert from "node:assert/strict"
import { hash } from "node:crypto"
import { describe, it } from "node:test"
import { splitHash } from "../../src/data/split.ts"

describe("splitHash", () => {
  it("splitHash is u from the first 52 bits of sha256(seed, dataset, id), as it was over crypto.hash", () => {
    for (const [seed, dataset, id] of [[42, "pope-coco", "3"], [7, "\u0000image", "coco:000000391895"], [0, "gqa-testdev-balanced", "20968379"], [42, "vqa-x", "262148000"]] as const) {
      const h = hash("sha256", `${seed}\u0000${dataset}\u0000${id}`, "buffer")
      assert.equal(splitHash(seed, dataset, id), (h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12)) / 2 ** 52)
    }
  })
})
