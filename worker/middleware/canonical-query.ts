import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import { ApiError, zodFieldErrors } from '../errors.ts';
import { canonicalParameters } from '../http/query-parameters.ts';
import type { AppEnv } from './app-env.ts';

/** What a route guarded by `canonicalQuery(schema)` reads: its query, validated, by canonical names. */
export interface CanonicalQueryEnv<T> extends AppEnv {
  Variables: AppEnv['Variables'] & { query: T };
}

/**
 * Route middleware: reads the query string by canonical names (camelCase or snake_case), refuses
 * any parameter the route does not know (400 naming it: a dropped filter would widen the answer,
 * e.g. turn an export into "everything"), validates the rest with the route's schema and hands it
 * to the handler as `c.var.query`. Handlers read `c.var.query`, never `c.req.valid('query')`, which
 * only sees the camelCase spelling (the route's `request.query` is there to document it).
 */
export function canonicalQuery<Schema extends z.ZodObject>(schema: Schema) {
  const known = new Set(Object.keys(schema.shape));
  return createMiddleware<CanonicalQueryEnv<z.infer<Schema>>>(async (c, next) => {
    const { values, unknown } = canonicalParameters(new URL(c.req.url).searchParams, known);
    if (unknown.length > 0) {
      throw new ApiError(
        'unknown-parameter',
        `Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Nothing was read: an ignored filter would widen the answer.`,
        unknown.map((name) => ({ pointer: `query/${name}`, detail: 'is not a parameter of this endpoint' })),
      );
    }
    const parsed = schema.safeParse(values);
    if (!parsed.success) {
      throw new ApiError('invalid-parameters', 'The request has invalid parameters.', zodFieldErrors(parsed.error, 'query'));
    }
    c.set('query', parsed.data);
    await next();
  });
}
