import { Console, Effect } from "effect"
import { specJsonSchema } from "../spec/json-schema.ts"

export const schemaText = (): string => JSON.stringify(specJsonSchema(), null, 2) + "\n"

export const runSchema = () => Effect.flatMap(Effect.sync(schemaText), (t) => Console.log(t.trimEnd()))
