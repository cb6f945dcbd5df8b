import { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, zodFieldErrors } from '../errors.ts';
import type { AppEnv } from '../middleware/app-env.ts';

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
