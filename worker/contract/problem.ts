import { z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';

/**
 * One field-level problem, RFC 9457 "errors" extension member: `pointer` is a slash-separated
 * path into the body or the parameters, e.g. "items/3/actor/id".
 */
const FieldErrorSchema = z.object({ pointer: z.string(), detail: z.string() });

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

/**
 * zod issues as field errors, each pointer prefixed with where the value came from ("query",
 * "param"). Here, beside FieldError, so the contract's own parsers (ingest) name fields the same way.
 */
export function zodFieldErrors(error: ZodError, prefix = ''): FieldError[] {
  const pointer = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('/');
  return error.issues.flatMap((issue) =>
    // An unknown key is named by its own pointer, not by the object that holds it.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ pointer: pointer([...issue.path, key]), detail: UNKNOWN_FIELD }))
      : [{ pointer: pointer(issue.path), detail: issue.message }],
  );
}
