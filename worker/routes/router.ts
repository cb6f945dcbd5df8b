import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { AppEnv } from '../middleware/app-env';
import { ApiError, type FieldError } from '../errors';

export function zodFieldErrors(error: ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    pointer: [prefix, ...issue.path.map(String)].filter(Boolean).join('/'),
    detail: issue.message,
  }));
}

/**
 * Every router is made here so one validation hook applies everywhere: invalid JSON bodies are 422
 * (the request was well-formed, its fields are not), invalid query or path parameters are 400.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const body = result.target === 'json';
      throw new ApiError(
        body ? 'validation-failed' : 'invalid-parameters',
        body ? 'The request body has invalid fields.' : 'The request has invalid parameters.',
        zodFieldErrors(result.error, body ? '' : result.target),
      );
    },
  });
}
