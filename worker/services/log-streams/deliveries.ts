/**
 * The delivery history of a stream, in the organization's shard (db/schema/streams.ts): one row a
 * request, test batches and event batches alike. Each stream keeps its latest MAX_TEST_DELIVERIES
 * tests, so pressing "test" cannot grow the table without bound; batches and archive copies are kept
 * BATCH_HISTORY_DAYS (the daily run's purgeStreamDeliveries).
 */
import { and, count, desc, eq, inArray, lt, notInArray, sql } from 'drizzle-orm';
import { DAY_MS } from '../../archive/week.ts';
import type { LogStreamDelivery, LogStreamTestResult } from '../../contract/log-streams.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { type LogStreamDeliveryRow, type LogStreamRow, logStreamDeliveries } from '../../db/schema.ts';
import type { DestinationRequest } from '../../streams/destinations/request.ts';

const MAX_TEST_DELIVERIES = 50;
const BATCH_HISTORY_DAYS = 7;
/** Rows removed per shard per daily run at most, so one run stays short. */
const PURGE_LIMIT = 10_000;

type Kind = LogStreamDeliveryRow['kind'];

/** What a history row says of the request: its sequences and body size (an archive copy's body is a stream). */
type RecordedRequest = Pick<DestinationRequest, 'firstSequence' | 'lastSequence' | 'eventCount'> & { body: { byteLength: number } };

/** The history row of one request and its outcome. */
function deliveryRow(
  kind: Kind,
  stream: Pick<LogStreamRow, 'id' | 'organizationId'>,
  request: RecordedRequest,
  outcome: LogStreamTestResult,
  started: number,
): LogStreamDeliveryRow {
  return {
    id: newId('lsd'),
    streamId: stream.id,
    organizationId: stream.organizationId,
    kind,
    firstSequence: request.firstSequence,
    lastSequence: request.lastSequence,
    eventCount: request.eventCount,
    bytes: request.body.byteLength,
    succeeded: outcome.ok,
    statusCode: outcome.status,
    error: outcome.error,
    response: outcome.body,
    startedAt: started,
    endedAt: started + outcome.ms,
  };
}

export async function recordDelivery(
  events: Database,
  kind: Kind,
  stream: Pick<LogStreamRow, 'id' | 'organizationId'>,
  request: RecordedRequest,
  outcome: LogStreamTestResult,
  started: number,
): Promise<void> {
  const row = deliveryRow(kind, stream, request, outcome, started);
  if (kind !== 'test') {
    await events.insert(logStreamDeliveries).values(row);
    return;
  }
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

/** Removes batch and archive rows older than BATCH_HISTORY_DAYS from one shard (the events stay in the log). */
export async function purgeStreamDeliveries(events: Database, now: number): Promise<number> {
  const old = events
    .select({ id: logStreamDeliveries.id })
    .from(logStreamDeliveries)
    .where(
      and(inArray(logStreamDeliveries.kind, ['batch', 'archive']), lt(logStreamDeliveries.startedAt, now - BATCH_HISTORY_DAYS * DAY_MS)),
    )
    .limit(PURGE_LIMIT);
  const deleted = await events
    .delete(logStreamDeliveries)
    .where(sql`${logStreamDeliveries.id} IN (${old})`)
    .returning({ id: logStreamDeliveries.id });
  return deleted.length;
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
