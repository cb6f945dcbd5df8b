import { z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';

/**
 * What kind of problem a field has, when the schema found it (docs/API.md, "Errors"): `required`
 * (missing), `invalid_type`, `too_small` / `too_big` (with `minimum` / `maximum`: characters of a
 * string, items of a list, or the number), `invalid_format` (with `format`, e.g. "email", "url"),
 * `invalid_value` (not one of the allowed values). Absent when `detail` is a sentence of this
 * service (a refused address, a taken name, an unknown field), which is then the whole story.
 */
const FIELD_ERROR_CODES = ['required', 'invalid_type', 'too_small', 'too_big', 'invalid_format', 'invalid_value'] as const;

/**
 * One field-level problem, RFC 9457 "errors" extension member: `pointer` is a slash-separated
 * path into the body or the parameters, e.g. "items/3/actor/id"; `code` and its limits let a
 * client word the problem for people (the dashboard does) instead of showing `detail`.
 */
const FieldErrorSchema = z.object({
  pointer: z.string(),
  detail: z.string(),
  code: z.enum(FIELD_ERROR_CODES).optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  format: z.string().optional(),
});

export type FieldError = z.infer<typeof FieldErrorSchema>;

/**
 * RFC 9457 problem details, as every error answer carries them: the one definition of the shape
 * (errors.ts builds answers of this type; the OpenAPI document, the dashboard and the tests read it).
 */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:problem:audit-logs:forbidden' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;

/** What a 422 says of a field the body's schema does not have. */
export const UNKNOWN_FIELD = 'is not a known field';

/** The value at `path` inside `input`, or undefined where the path leads nowhere. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

type Issue = ZodError['issues'][number];

/** The `code` (and limits) of a schema issue; nothing for refinements, whose message is ours. */
function issueKind(issue: Issue, input: unknown): Omit<FieldError, 'pointer' | 'detail'> {
  switch (issue.code) {
    case 'invalid_type':
      return { code: input !== NO_INPUT && valueAt(input, issue.path) === undefined ? 'required' : 'invalid_type' };
    case 'too_small':
      return { code: 'too_small', minimum: Number(issue.minimum) };
    case 'too_big':
      return { code: 'too_big', maximum: Number(issue.maximum) };
    case 'invalid_format':
      return { code: 'invalid_format', format: issue.format };
    case 'invalid_value':
      return { code: 'invalid_value' };
    default:
      return {};
  }
}

const NO_INPUT: unique symbol = Symbol('no input');

/**
 * zod issues as field errors, each pointer prefixed with where the value came from ("query",
 * "param"). Here, beside FieldError, so the contract's own parsers (ingest) name fields the same way.
 * With the `input` that was parsed, a missing value is told apart from a wrong one (`required`).
 */
export function zodFieldErrors(error: ZodError, prefix = '', input: unknown = NO_INPUT): FieldError[] {
  const pointer = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('/');
  return error.issues.flatMap((issue) =>
    // An unknown key is named by its own pointer, not by the object that holds it.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ pointer: pointer([...issue.path, key]), detail: UNKNOWN_FIELD }))
      : [{ pointer: pointer(issue.path), detail: issue.message, ...issueKind(issue, input) }],
  );
}
