import { createMiddleware } from 'hono/factory';
import { readConfig } from '../config.ts';
import type { AppEnv } from './app-env.ts';

/** Per-request values every handler reads (id, config, clock) and the API's security headers. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID());
  c.set('config', readConfig(c.env));
  c.set('now', Date.now());
  await next();
  c.header('x-request-id', c.var.requestId);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'no-referrer');
  // API answers are data, never documents to render or frame (the /api/docs page sets its own policy).
  if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  c.header('x-frame-options', 'DENY');
  c.header('cache-control', c.res.headers.get('cache-control') ?? 'no-store');
});
