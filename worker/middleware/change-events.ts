import { createMiddleware } from 'hono/factory';
import { deliverPendingEvents } from '../services/event-store/index.ts';
import type { AppEnv } from './app-env.ts';

/**
 * Marks the request as one that changed control data and queued the events recording the change
 * in the main database's outbox (services/event-store/pending-events.ts): `deliverChangeEvents`
 * then moves them into the organization's shard before the request answers.
 */
export function markChangesQueued(c: { set(key: 'changesQueued', value: true): void }): void {
  c.set('changesQueued', true);
}

/**
 * After a request marked by `markChangesQueued`, moves the events it queued into their
 * organizations' shards, so the answer's bookmarks (set by `databaseSessions`, which runs around
 * this middleware) cover them and a reader sees the event right after the change. The change itself
 * has committed by then: should its events fail to move now, the daily job moves them.
 */
export const deliverChangeEvents = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!c.var.changesQueued) return;
  await deliverPendingEvents(c.var.db, c.var.shardDbFor).catch((error: unknown) =>
    console.error(JSON.stringify({ job: 'pending-events', requestId: c.var.requestId, error: String(error) })),
  );
});
