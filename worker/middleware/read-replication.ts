import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { sessionCookieOptions } from '../auth/session-cookie.ts';
import { DatabaseSessions, parseBookmarks } from '../db/read-replication.ts';
import { MAIN_DATABASE, shardSet } from '../db/shards.ts';
import { ApiError } from '../errors.ts';
import { organizationShard } from '../services/event-store/index.ts';
import type { AppEnv } from './app-env.ts';

/** Request and response header with the client's D1 bookmarks (docs/API.md, "Reading your own writes"). */
const BOOKMARK_HEADER = 'x-d1-bookmark';
/** The dashboard's copy of the same, set for session-cookie callers. */
const BOOKMARK_COOKIE = 'audit_bookmark';

/**
 * Opens the request's D1 sessions (main database and, on demand, each organization's shard) from
 * the client's bookmarks, and hands the new bookmarks back once everything inside it has run
 * (`deliverChangeEvents` included, so they cover the events it moved).
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
  c.set('shardDbFor', async (organizationId: string) => sessions.database(await organizationShard(c.var.db, organizationId, c.var.now)));
  await next();
  const bookmarks = sessions.bookmarks();
  if (bookmarks === '') return;
  c.header(BOOKMARK_HEADER, bookmarks);
  if (c.var.principal?.sessionTokenHash) setCookie(c, BOOKMARK_COOKIE, bookmarks, sessionCookieOptions(c.req.url, 12 * 60 * 60));
});
