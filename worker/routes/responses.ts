import type { z } from '@hono/zod-openapi';
import { ProblemSchema } from '../contract/problem.ts';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** Error responses shared by authenticated routes, for the OpenAPI document. */
export const commonProblems = {
  400: problem('Malformed request or invalid parameters'),
  401: problem('No or bad credential'),
  403: problem('Wrong role or organization'),
  404: problem('Unknown resource'),
  422: problem('Invalid fields'),
  429: problem("Over the credential's request budget or, for free text, the organization's (Retry-After)"),
} as const;

export const conflictProblem = { 409: problem('Conflict') } as const;

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
