import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { sessionCookieOptions } from '../auth/session-cookie.ts';
import { DatabaseSessions, parseBookmarks } from '../db/read-replication.ts';
import { MAIN_DATABASE, shardSet } from '../db/shards.ts';
import { ApiError } from '../errors.ts';
import { deliverPendingEvents, organizationShard } from '../services/event-store/index.ts';
import type { AppEnv } from './app-env.ts';

/** Request and response header with the client's D1 bookmarks (docs/API.md, "Reading your own writes"). */
const BOOKMARK_HEADER = 'x-d1-bookmark';
/** The dashboard's copy of the same, set for session-cookie callers. */
const BOOKMARK_COOKIE = 'audit_bookmark';

/**
 * Opens the request's D1 sessions (main database and, on demand, the shard of the organization in
 * the path) from the client's bookmarks, hands the new bookmarks back, and, after a request that
 * changed control data, moves the events it queued into the organization's shard before answering.
 */
export const databaseSessions = createMiddleware<AppEnv>(async (c, next) => {
  const shards = shardSet(c.env);
  const header = c.req.header(BOOKMARK_HEADER);
  let received = parseBookmarks(header ?? '', shards);
  if (received === null) {
    throw new ApiError(
      'invalid-bookmark',
      `The ${BOOKMARK_HEADER} header is not a list of <database>:<bookmark> items this service handed out; send back the last value it returned, unchanged.`,
    );
  }
  // A stale or damaged cookie only costs read-your-writes, never the request.
  if (header === undefined) received = parseBookmarks(getCookie(c, BOOKMARK_COOKIE) ?? '', shards) ?? new Map();
  const write = c.req.method !== 'GET' && c.req.method !== 'HEAD';
  const sessions = new DatabaseSessions(shards, received, write ? 'first-primary' : 'first-unconstrained');
  c.set('sessions', sessions);
  c.set('db', sessions.database(MAIN_DATABASE));
  c.set('eventsDatabase', async (organizationId: string) =>
    sessions.database(await organizationShard(c.var.db, organizationId, c.var.now)),
  );
  await next();
  if (c.var.changesQueued) {
    // The change itself committed; should its events fail to move now, the daily job moves them.
    await deliverPendingEvents(c.var.db, c.var.eventsDatabase).catch((error: unknown) =>
      console.error(JSON.stringify({ job: 'pending-events', requestId: c.var.requestId, error: String(error) })),
    );
  }
  const bookmarks = sessions.bookmarks();
  if (bookmarks === '') return;
  c.header(BOOKMARK_HEADER, bookmarks);
  if (c.var.principal?.sessionTokenHash) setCookie(c, BOOKMARK_COOKIE, bookmarks, sessionCookieOptions(c.req.url, 12 * 60 * 60));
});
