/** Names of the tune and eval sets that are not single datasets. */
export const PROOF_SETS = ["revo-lion", "union", "random"] as const
export const REVOLION_EVAL = "revo-lion-eval"
