import type { MiddlewareHandler } from 'hono';
import { checkJsonBody } from '../contract/strict-json.ts';
import { ApiError } from '../errors.ts';
import type { AppEnv } from './app-env.ts';

/** The media types Hono's JSON validator reads (application/json, application/*+json). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Reads a JSON request body once, strictly (contract/strict-json.ts): bytes that are not UTF-8,
 * numbers a double cannot hold and lone surrogates are a 422 before any schema sees the body.
 * createRouter runs it on every route that declares a body, after the route's access checks,
 * so a caller without access still learns nothing but that.
 */
export const strictJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
  // Other media types are the route's validator's to refuse (415).
  if (c.req.raw.body === null || !JSON_MEDIA_TYPE.test(mediaType)) return next();
  // c.req.arrayBuffer() keeps the bytes in Hono's body cache: the validator's c.req.json() reads
  // these same (now checked) bytes, not the stream again.
  const checked = checkJsonBody(new Uint8Array(await c.req.arrayBuffer()));
  if (!checked.ok) throw new ApiError('validation-failed', checked.detail, checked.errors);
  await next();
};
