import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { specJsonSchema } from "../spec/json-schema.ts"

export const schemaText = (): string => JSON.stringify(specJsonSchema(), null, 2) + "\n"

export const runSchema = () => Effect.flatMap(Effect.sync(schemaText), (t) => Console.log(t.trimEnd()))
