/**
 * The LLaVA conversation format: `{id, image, conversations: [{from, value}]}` (also `role` /
 * `content` messages). The human side gives instructions, the assistant side responses, whatever
 * the role names; each (instruction, response) pair is one turn.
 */
import type { Turn } from "./sample.ts"
import type { Eval } from "./mapping.ts"

const INSTRUCTION_ROLES = new Set(["human", "user", "question", "instruction", "prompt", "q"])
const RESPONSE_ROLES = new Set(["gpt", "assistant", "model", "bot", "ai", "answer", "response", "chatgpt", "gpt4", "gpt-4", "a"])
const SKIPPED_ROLES = new Set(["system"])

/** Remove `<image>` placeholders, keeping the text around them apart. */
export const stripImageTokens = (s: string): string =>
  s.replace(/\s*<image>\s*/gu, (m, offset: number, all: string) =>
    offset === 0 || offset + m.length === all.length ? "" : m.includes("\n") ? "\n" : " "
  ).trim()

const fail = (reason: string): Eval<never> => ({ ok: false, reason, missing: false })

export const llavaTurns = (record: unknown): Eval<ReadonlyArray<Turn>> => {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return fail("wrong type: the record is not an object")
  const conv = (record as Record<string, unknown>)["conversations"] ?? (record as Record<string, unknown>)["messages"]
  if (conv === undefined || conv === null) return { ok: false, reason: "missing field conversations", missing: true }
  if (!Array.isArray(conv)) return fail("wrong type: conversations is not a list")

  // A role of unknown name is on the instruction side when it is the first speaker's role.
  let firstRole: string | undefined
  const turns: Array<Turn> = []
  let instruction: Array<string> = []
  let response: Array<string> = []
  const close = (at: number): string | undefined => {
    const i = instruction.join("\n").trim()
    const r = response.join("\n").trim()
    if (i === "") return `empty instruction in turn ${turns.length + 1} (message ${at})`
    if (r === "") return `empty response in turn ${turns.length + 1} (message ${at})`
    turns.push({ instruction: i, references: [r] })
    instruction = []
    response = []
    return undefined
  }
  for (let k = 0; k < conv.length; k++) {
    const m = conv[k] as Record<string, unknown> | null
    if (m === null || typeof m !== "object") return fail(`wrong type: conversations[${k}] is not an object`)
    const roleRaw = m["from"] ?? m["role"]
    const value = m["value"] ?? m["content"]
    if (typeof roleRaw !== "string") return fail(`wrong type: conversations[${k}] has no role ("from")`)
    if (typeof value !== "string") return fail(`wrong type: conversations[${k}].value is not a text`)
    const role = roleRaw.trim().toLowerCase()
    if (SKIPPED_ROLES.has(role)) continue
    firstRole ??= role
    const side = INSTRUCTION_ROLES.has(role) ? "instruction" : RESPONSE_ROLES.has(role) ? "response" : role === firstRole ? "instruction" : "response"
    if (side === "instruction") {
      if (response.length > 0) {
        const err = close(k - 1)
        if (err !== undefined) return fail(err)
      }
      instruction.push(stripImageTokens(value))
    } else {
      if (instruction.length === 0) return fail(`conversation starts with a response (conversations[${k}], role "${roleRaw}")`)
      response.push(value)
    }
  }
  if (instruction.length > 0 && response.length === 0) return fail(`empty response: the last instruction has no answer`)
  if (instruction.length > 0) {
    const err = close(conv.length - 1)
    if (err !== undefined) return fail(err)
  }
  if (turns.length === 0) return fail("empty conversation")
  return { ok: true, value: turns }
}
