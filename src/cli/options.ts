/** Flags shared by the commands that read a spec or the store (DESIGN.md section 7). */
import { Argument, Flag } from "effect/cli"

export const specArg = Argument.String("spec").pipe(Argument.withDescription("The experiment spec (YAML), e.g. experiments/quickstart.yaml"))

export const setFlag = Flag.String("set").pipe(
  Flag.withDescription("Override a spec value: --set split.eval=200 --set metrics=[bleu4,cider] (typed as YAML; repeatable)"),
  Flag.atLeast(0)
)

export const dataRootFlag = Flag.String("data-root").pipe(
  Flag.withDescription("Root folder of local dataset paths (overrides data_root and REVO_DATA_ROOT)"),
  Flag.optional
)

export const storeFlag = Flag.String("store").pipe(
  Flag.withDescription("The task store folder (default: results/.revo next to the current folder)"),
  Flag.optional
)

export const jsonFlag = Flag.Boolean("json").pipe(Flag.withDescription("Print machine-readable JSON"), Flag.withDefault(false))
