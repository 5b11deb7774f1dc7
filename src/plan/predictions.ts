/**
 * What a predict task writes: a model's answer to each eval item, by item id. Its own module so
 * that the score worker thread (score-worker.ts) checks predictions against the same format
 * without loading the model steps.
 */
import * as Schema from "effect/Schema"

/** A model's answers: item id to answer. */
export type Predictions = Readonly<Record<string, string>>
export const PredictionsSchema: Schema.Decoder<Predictions> = Schema.Record(Schema.String, Schema.String)
