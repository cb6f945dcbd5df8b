import type { ErrorHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { serialize } from 'hono/utils/cookie';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie.ts';
import { ConfigError } from '../config.ts';
import { ApiError, problemResponse } from '../errors.ts';
import { metMoveFence, organizationMoving } from '../services/event-store/index.ts';
import type { AppEnv } from './app-env.ts';

/**
 * The app's one error handler: every failure becomes an RFC 9457 problem. A 401 also clears a
 * session cookie the request carried (it no longer works, and the browser should stop sending it).
 */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const requestId = c.var.requestId ?? crypto.randomUUID();
  if (error instanceof ApiError) {
    const headers: Record<string, string> = { ...error.headers };
    if (error.status === 401 && getCookie(c, SESSION_COOKIE) !== undefined) {
      headers['set-cookie'] = serialize(SESSION_COOKIE, '', sessionCookieOptions(c.req.url, 0));
    }
    return problemResponse(error.code, error.detail, requestId, { errors: error.errors, headers });
  }
  // A write that met a move's fence (services/event-store/move-fence.ts): 503 with Retry-After.
  if (metMoveFence(error)) {
    const moving = organizationMoving();
    return problemResponse(moving.code, moving.detail, requestId, { headers: moving.headers });
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx (e.g. malformed JSON, unsupported media type): its message is safe to show.
    const code = error.status === 400 ? 'malformed-request' : error.status === 415 ? 'unsupported-media-type' : 'http-error';
    return problemResponse(code, error.message || 'The request could not be processed.', requestId, { status: error.status });
  }
  // Internals stay in the log, keyed by request id; the client gets only the id. A deployment
  // with invalid variables logs which ones and why, on one line, at every request until fixed.
  if (error instanceof ConfigError) console.error(JSON.stringify({ requestId, error: error.message, invalid: error.invalid }));
  else console.error(JSON.stringify({ requestId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  return problemResponse('internal-error', 'An unexpected error occurred. Quote the requestId when reporting it.', requestId);
};
