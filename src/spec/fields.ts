/** Small Schema building blocks shared by the spec modules, with messages a researcher can act on. */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** `key: value` with a default when the key is absent. */
export const withDefault = <S extends Schema.Top & Schema.WithoutConstructorDefault>(
  schema: S,
  value: S["Type"],
  /** Shown by editors (JSON Schema `description`). */
  description?: string
) => {
  // The annotation only adds JSON Schema documentation; the schema's type is unchanged.
  const described = (description === undefined ? schema : schema.annotate({ description })) as S
  return described.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value as S["Encoded"])))
}

/**
 * A section (a struct of keys that all have defaults) that may be left out: absent, it decodes as
 * `{}`, so each key's own default applies. The defaults are then written once, on the keys.
 */
export const defaultedSection = <S extends Schema.Top & Schema.WithoutConstructorDefault>(schema: S, description?: string) => {
  const described = (description === undefined ? schema : schema.annotate({ description })) as S
  return described.pipe(Schema.withDecodingDefaultKey(Effect.succeed({} as S["Encoded"])))
}

export const Slug = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9_-]*$/u, {
    message: "Expected a lowercase id of letters, digits, '-' or '_' (e.g. okvqa, vqa-x)"
  })
)

export const PositiveInt = Schema.Number.annotate({ message: "Expected a positive integer" }).check(
  Schema.makeFilter((n: number) => (Number.isInteger(n) && n > 0) || "Expected a positive integer")
)

export const NonNegativeInt = Schema.Number.annotate({ message: "Expected a non-negative integer" }).check(
  Schema.makeFilter((n: number) => (Number.isInteger(n) && n >= 0) || "Expected a non-negative integer")
)

/** A fraction in (0, 1]. */
export const Fraction = Schema.Number.annotate({ message: "Expected a fraction greater than 0 and at most 1" }).check(
  Schema.makeFilter((n: number) => (n > 0 && n <= 1) || "Expected a fraction greater than 0 and at most 1")
)

/** An eval size: a count (integer >= 1) or a fraction of the dataset (0 < f < 1). */
export const SizeOrFraction = Schema.Number.annotate({ message: "Expected a positive integer (a count) or a fraction between 0 and 1" }).check(
  Schema.makeFilter((n: number) =>
    (Number.isInteger(n) && n >= 1) || (n > 0 && n < 1) ||
    "Expected a positive integer (a count) or a fraction between 0 and 1"
  )
)

export const NonEmpty = Schema.String.annotate({ message: "Expected a non-empty string" }).check(Schema.makeFilter((s: string) => s.trim().length > 0 || "Expected a non-empty string"))
