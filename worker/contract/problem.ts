import { z } from '@hono/zod-openapi';

/** One field-level problem, RFC 9457 "errors" extension member. */
export interface FieldError {
  /** Slash-separated path into the body or the parameters, e.g. "items/3/actor/id". */
  pointer: string;
  detail: string;
}

/** RFC 9457 problem details, as every error answer carries them. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:problem:audit-logs:forbidden' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;
