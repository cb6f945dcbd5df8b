/**
 * The delivery history of a stream, in the organization's shard (db/schema/streams.ts). Test
 * batches only, for now; each stream keeps its latest MAX_TEST_DELIVERIES tests, so pressing
 * "test" cannot grow the table without bound.
 */
import { and, count, desc, eq, notInArray } from 'drizzle-orm';
import type { LogStreamDelivery } from '../../contract/log-streams.ts';
import type { Database } from '../../db/client.ts';
import { type LogStreamDeliveryRow, logStreamDeliveries } from '../../db/schema.ts';

const MAX_TEST_DELIVERIES = 50;

export async function recordTestDelivery(events: Database, row: LogStreamDeliveryRow): Promise<void> {
  const ofStream = and(eq(logStreamDeliveries.streamId, row.streamId), eq(logStreamDeliveries.kind, 'test'));
  const kept = events
    .select({ id: logStreamDeliveries.id })
    .from(logStreamDeliveries)
    .where(ofStream)
    .orderBy(desc(logStreamDeliveries.startedAt), desc(logStreamDeliveries.id))
    .limit(MAX_TEST_DELIVERIES);
  await events.batch([
    events.insert(logStreamDeliveries).values(row),
    events.delete(logStreamDeliveries).where(and(ofStream, notInArray(logStreamDeliveries.id, kept))),
  ]);
}

function view(row: LogStreamDeliveryRow): LogStreamDelivery {
  return {
    id: row.id,
    kind: row.kind,
    firstSequence: row.firstSequence,
    lastSequence: row.lastSequence,
    eventCount: row.eventCount,
    bytes: row.bytes,
    ok: row.succeeded,
    status: row.statusCode,
    error: row.error,
    body: row.response,
    startTime: new Date(row.startedAt).toISOString(),
    endTime: new Date(row.endedAt).toISOString(),
    ms: row.endedAt - row.startedAt,
  };
}

/** Newest first. The stream id was checked against the organization before (main database). */
export async function listDeliveries(
  events: Database,
  organizationId: string,
  streamId: string,
  page: { limit: number; offset: number },
): Promise<{ deliveries: LogStreamDelivery[]; totalCount: number }> {
  const where = and(eq(logStreamDeliveries.organizationId, organizationId), eq(logStreamDeliveries.streamId, streamId));
  const [rows, [total]] = await Promise.all([
    events
      .select()
      .from(logStreamDeliveries)
      .where(where)
      .orderBy(desc(logStreamDeliveries.startedAt), desc(logStreamDeliveries.id))
      .limit(page.limit)
      .offset(page.offset),
    events.select({ n: count() }).from(logStreamDeliveries).where(where),
  ]);
  return { deliveries: rows.map(view), totalCount: total?.n ?? 0 };
}
