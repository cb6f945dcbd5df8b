/**
 * The delivery engine of one log stream (docs/STREAMS.md, "Delivery"): from its checkpoint
 * `deliveredThroughSequence`, the organization's events in ascending sequence, filtered, encoded
 * in batches and sent one request after another; the checkpoint moves only past what the
 * destination accepted. One run at a time per stream (its Durable Object, jobs/log-stream-runner.ts,
 * serializes them), so batches leave in order and a slow destination delays only its own stream.
 */
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { WebhookFilter } from '../../contract/notification-configs.ts';
import type { Database } from '../../db/client.ts';
import { auditEvents, type LogStreamRow, logStreams } from '../../db/schema.ts';
import { toEvent } from '../../events/event-shape.ts';
import { attemptVerdict, retryDelayMs } from '../../streams/delivery-policy.ts';
import type { DestinationRequest } from '../../streams/destinations/request.ts';
import { passesFilter } from '../../webhooks/instance-filter.ts';
import { decryptSecret } from '../../webhooks/secret-box.ts';
import { eventColumns, orgKey } from '../event-store/index.ts';
import { instancesOf } from '../webhooks/index.ts';
import { recordDelivery } from './deliveries.ts';
import { buildRequests, type StreamDestination, streamDestination } from './requests.ts';
import { type SendOutcome, sendRequest } from './send.ts';

/** Events read per page: one page is at most one batch of docs/STREAMS.md (1,000 events). */
const PAGE_EVENTS = 1000;
/** One run sends for at most this long, then hands over to a new alarm (bounded invocations). */
const RUN_BUDGET_MS = 25_000;

export interface StreamRunDeps {
  control: Database;
  shardDbFor: (organizationId: string) => Promise<Database>;
  secretKey: string;
  allowInsecure: boolean;
}

export interface StreamRunResult {
  /** When to run again (epoch ms), or null: nothing to do until woken. */
  nextAt: number | null;
  delivered: number;
  requests: number;
  state: LogStreamRow['state'] | 'gone';
}

function pageAfter(events: Database, organizationId: string, afterSequence: number) {
  return events
    .select(eventColumns)
    .from(auditEvents)
    .where(and(eq(auditEvents.orgKey, orgKey(organizationId)), gt(auditEvents.sequence, afterSequence)))
    .orderBy(asc(auditEvents.sequence))
    .limit(PAGE_EVENTS);
}

type Page = Awaited<ReturnType<typeof pageAfter>>;

/** The page's events the stream's filter lets through, as the API shows them. */
async function filtered(control: Database, organizationId: string, page: Page, filter: WebhookFilter) {
  const narrows = filter.filterArgocdInstanceNames || filter.filterKargoInstanceNames || !filter.events.includes('audit');
  const events = page.map((row) => toEvent(organizationId, row));
  if (!narrows) return events;
  const named = await instancesOf(control, organizationId, [
    ...new Set(page.flatMap((row) => (row.instanceId === null ? [] : [row.instanceId]))),
  ]);
  return events.filter((event) => passesFilter(filter, event.instanceId === null ? null : (named.get(event.instanceId) ?? null)));
}

/** The stream as it is now, unless deleted. */
async function liveStream(control: Database, streamId: string): Promise<LogStreamRow | undefined> {
  const [row] = await control
    .select()
    .from(logStreams)
    .where(and(eq(logStreams.id, streamId), isNull(logStreams.deletedAt)))
    .limit(1);
  return row;
}

/**
 * Changes the row only while its configuration is the one this run read (`updated_at`): a stream
 * edited, switched off or deleted meanwhile is left to the next run, which reads the new one and
 * sends the same events again from the checkpoint (at least once).
 */
const sameConfig = (row: LogStreamRow) =>
  and(eq(logStreams.id, row.id), eq(logStreams.updatedAt, row.updatedAt), isNull(logStreams.deletedAt));

async function moveCheckpoint(control: Database, row: LogStreamRow, through: number): Promise<boolean> {
  const moved = await control
    .update(logStreams)
    .set({
      deliveredThroughSequence: sql`max(${logStreams.deliveredThroughSequence}, ${through})`,
      state: 'active',
      failingSince: null,
    })
    .where(sameConfig(row))
    .returning({ id: logStreams.id });
  return moved.length > 0;
}

async function markFailing(control: Database, row: LogStreamRow, state: 'error' | 'invalid', since: number): Promise<void> {
  await control
    .update(logStreams)
    .set({ state, failingSince: sql`coalesce(${logStreams.failingSince}, ${since})` })
    .where(and(sameConfig(row), eq(logStreams.active, true)));
}

interface Sent {
  delivered: number;
  requests: number;
  /** The last sequence the destination accepted in this page (0: none). */
  through: number;
  failure?: { outcome: SendOutcome; at: number };
}

/** Sends a page's requests in order, recording each; stops at the first refusal. */
async function sendAll(events: Database, row: LogStreamRow, requests: DestinationRequest[], allowInsecure: boolean): Promise<Sent> {
  const sent: Sent = { delivered: 0, requests: 0, through: 0 };
  for (const request of requests) {
    const started = Date.now();
    const outcome = await sendRequest(request, allowInsecure);
    sent.requests += 1;
    await recordDelivery(events, 'batch', row, request, outcome, started);
    if (!outcome.ok) return { ...sent, failure: { outcome, at: started } };
    sent.delivered += request.eventCount;
    sent.through = request.lastSequence;
  }
  return sent;
}

/**
 * One run: pages from the checkpoint until nothing is left, the budget is spent, or the
 * destination refuses. Returns when to run again: never (caught up, invalid, switched off,
 * deleted), now (budget spent, configuration changed), or after the retry delay (error).
 */
export async function runStream(deps: StreamRunDeps, streamId: string): Promise<StreamRunResult> {
  const row = await liveStream(deps.control, streamId);
  if (!row) return { nextAt: null, delivered: 0, requests: 0, state: 'gone' };
  if (!row.active || row.state === 'invalid' || row.state === 'inactive')
    return { nextAt: null, delivered: 0, requests: 0, state: row.state };
  const events = await deps.shardDbFor(row.organizationId);
  const filter = JSON.parse(row.filterJson) as WebhookFilter;
  let destination: StreamDestination;
  const result: StreamRunResult = { nextAt: null, delivered: 0, requests: 0, state: row.state };
  const started = Date.now();
  let checkpoint = row.deliveredThroughSequence;
  try {
    destination = streamDestination(row, await decryptSecret(deps.secretKey, row.id, row.secretCiphertext));
  } catch {
    await markFailing(deps.control, row, 'invalid', started);
    return { ...result, state: 'invalid' };
  }
  while (Date.now() - started < RUN_BUDGET_MS) {
    const page = await pageAfter(events, row.organizationId, checkpoint);
    const last = page.at(-1)?.sequence;
    if (last === undefined) {
      // Caught up. A stream marked failing whose failed events are gone (retention) is healthy again.
      if (row.state === 'error' && !(await moveCheckpoint(deps.control, row, checkpoint))) return { ...result, nextAt: Date.now() };
      return { ...result, state: 'active' };
    }
    let requests: DestinationRequest[];
    try {
      requests = await buildRequests(destination, await filtered(deps.control, row.organizationId, page, filter));
    } catch {
      // Settings saved under an older rule that the encoder now refuses: only a new configuration helps.
      await markFailing(deps.control, row, 'invalid', Date.now());
      return { ...result, state: 'invalid' };
    }
    const sent = await sendAll(events, row, requests, deps.allowInsecure);
    result.delivered += sent.delivered;
    result.requests += sent.requests;
    if (sent.failure) {
      if (sent.through > checkpoint) await moveCheckpoint(deps.control, row, sent.through);
      const { outcome, at } = sent.failure;
      const verdict = attemptVerdict(outcome);
      const since = row.failingSince ?? at;
      const state = verdict === 'invalid' ? 'invalid' : 'error';
      await markFailing(deps.control, row, state, since);
      const now = Date.now();
      return { ...result, state, nextAt: state === 'invalid' ? null : now + retryDelayMs(since, now, outcome.retryAfterMs) };
    }
    if (!(await moveCheckpoint(deps.control, row, last))) return { ...result, nextAt: Date.now() };
    checkpoint = last;
    row.state = 'active';
    row.failingSince = null;
    result.state = 'active';
  }
  return { ...result, nextAt: Date.now() };
}
