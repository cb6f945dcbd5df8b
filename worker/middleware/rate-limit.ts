import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors.ts';
import type { AppEnv } from './app-env.ts';

/** The binding counts in fixed windows of this many seconds (wrangler.toml `simple.period`). */
const WINDOW_SECONDS = 10;

function rateLimited(): ApiError {
  return new ApiError('rate-limited', `Too many requests for this credential; retry after ${WINDOW_SECONDS} seconds.`, undefined, {
    'retry-after': String(WINDOW_SECONDS),
  });
}

/**
 * Failed sign-ins and bad API keys are charged to the client address, so guessing keys (or just
 * making D1 look them up) is throttled like any other traffic. Throws 429 when over budget.
 */
export async function chargeFailedAuthentication(limiter: RateLimit, clientIp: string | undefined): Promise<void> {
  const { success } = await limiter.limit({ key: `failed-auth:${clientIp ?? 'unknown'}` });
  if (!success) throw rateLimited();
}

/**
 * One budget per credential (API key, session's key, admin token) or, for anonymous calls, per
 * client address. Over budget → 429 problem with Retry-After.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.var.principal;
  const key = principal
    ? principal.apiKeyId
      ? `key:${principal.apiKeyId}`
      : `admin`
    : `ip:${c.req.header('cf-connecting-ip') ?? 'unknown'}`;
  const { success } = await c.env.API_RATE_LIMITER.limit({ key });
  if (!success) throw rateLimited();
  await next();
});
