import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ApiError, zodFieldErrors } from '../errors.ts';
import type { AppEnv } from '../middleware/app-env.ts';
import { strictJsonBody } from '../middleware/json-body.ts';

/**
 * A route with a request body also reads it strictly (middleware/json-body.ts): after its own
 * middleware (access checks), before its validators.
 */
function withStrictBody<R extends RouteConfig>(route: R): R {
  if (!route.request?.body) return route;
  const own: MiddlewareHandler[] =
    route.middleware === undefined ? [] : Array.isArray(route.middleware) ? route.middleware : [route.middleware];
  return { ...route, middleware: [...own, strictJsonBody] };
}

/**
 * Every router is made here so one validation hook applies everywhere: invalid JSON bodies are 422
 * (the request was well-formed, its fields are not), invalid query or path parameters are 400;
 * and every JSON body is read by one strict reader.
 */
export function createRouter() {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const body = result.target === 'json';
      throw new ApiError(
        body ? 'validation-failed' : 'invalid-parameters',
        body ? 'The request body has invalid fields.' : 'The request has invalid parameters.',
        // The validator hands the hook the value it parsed (its types omit it): a missing field is then told from a wrong one.
        zodFieldErrors(result.error, body ? '' : result.target, 'data' in result ? result.data : undefined),
      );
    },
  });
  const openapi = router.openapi;
  router.openapi = (route, handler, hook) => openapi(withStrictBody(route), handler, hook);
  return router;
}
