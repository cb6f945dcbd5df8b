import { z } from '@hono/zod-openapi';

/** One spelling per number: `0`, or decimal digits without a leading zero. */
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * An integer query or path parameter, from `min` to `max`. Only decimal digits are read: `Number()`
 * (what z.coerce uses) also reads `0x10` as 16, `1e3` as 1000, `1.0`, `+5`, ` 5` and `` (as 0),
 * so a mistyped or crafted value silently became another number. Anything else is a 400 naming
 * the parameter. The only copy: every integer the API reads from a URL goes through here, a signed
 * download link's revision and expiry included (its HMAC covers the text the service wrote, so one
 * link must not answer under other spellings of the same numbers).
 */
export function integerParameter(min: number, max: number) {
  return z
    .string()
    .regex(DECIMAL, 'must be a whole number written in decimal digits (no sign, spaces, leading zeros, decimal point or exponent)')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: 'integer', minimum: min, maximum: max });
}

/** The same with a value when the parameter is absent (documented as its default). */
export function integerParameterOr(fallback: number, min: number, max: number) {
  return integerParameter(min, max).default(fallback).openapi({ default: fallback });
}
