import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors.ts';
import type { CanonicalQueryEnv } from './canonical-query.ts';

/** The binding counts in fixed windows of this many seconds (wrangler.toml FREE_TEXT_RATE_LIMITER). */
const WINDOW_SECONDS = 10;
/**
 * One unit of the budget is this much wall time of a free-text request, so the budget is time, not
 * requests: wrangler.toml's limit of 40 units per 10 s is 1 s of free-text work per organization
 * per window. A cheap query costs 1 unit (40 per window: a dashboard search is up to three reads);
 * the costliest the grammar allows, 230–350 ms at 1M events, costs 10–14, so 3–4 of those.
 * Measured (bench, noisy neighbour): with 2 s per window the neighbour's p50 still rose 1.5×.
 */
const UNIT_MS = 25;

/** The free text of a request's validated query (absent when the request has none). */
type FreeTextQuery = { 'filters.q'?: string | undefined };

/**
 * Route middleware (after `canonicalQuery`) for every read that takes `filters.q`: free text is the
 * one read whose cost a caller chooses (each word is a posting-list merge over the organization's
 * index), and on a shared D1 database one organization's long queries delay its neighbours'. So the
 * organization (not the credential: more keys buy no more) has a time budget for it. A request is
 * charged one unit before it runs (429 when the window's budget is spent) and the rest of its
 * measured time after it answers. Reads without free text are not charged.
 */
export const freeTextBudget = createMiddleware<CanonicalQueryEnv<FreeTextQuery>>(async (c, next) => {
  const text = c.var.query['filters.q'];
  if (text === undefined || text.trim() === '') return next();
  const limiter = c.env.FREE_TEXT_RATE_LIMITER;
  const key = `free-text:${c.req.param('orgId') ?? ''}`;
  if (!(await limiter.limit({ key })).success) {
    throw new ApiError(
      'rate-limited',
      `This organization's free-text search budget for the current ${WINDOW_SECONDS}-second window is spent; retry after ${WINDOW_SECONDS} seconds. Filters without filters.q are not limited by it.`,
      undefined,
      { 'retry-after': String(WINDOW_SECONDS) },
    );
  }
  const started = Date.now();
  await next();
  const extraUnits = Math.ceil((Date.now() - started) / UNIT_MS) - 1;
  if (extraUnits > 0) {
    // After the answer: charging is bookkeeping the caller need not wait for.
    c.executionCtx.waitUntil(Promise.all(Array.from({ length: extraUnits }, () => limiter.limit({ key }))));
  }
});
