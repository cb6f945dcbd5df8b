/**
 * What the local stream receivers share for long end-to-end runs (test/log-stream-100k.test.ts):
 *
 * - An outage switch of the Splunk HEC and Datadog receivers (the S3 gate has its own, scoped by
 *   path, and the webhook receiver a behaviour per hook): `PUT /_control/outage` with
 *   `{ "status": 503 }` (every request of the destination refused with its "busy" answer) or `{ "status": 503, "organizationId": "org_…" }`
 *   (only requests carrying that organization's events, so a test can take a destination down for
 *   its own stream while other test files share the receiver); `{ "status": 0 }` ends it. The
 *   receiver still checks every request first: an outage never lets through what it would refuse.
 * - A compact read of what was accepted, `GET /_control/sequences?organizationId=org_…`: per
 *   accepted request carrying an event of that organization, in arrival order, its events'
 *   sequences (that organization's, in request order) and how many events of other organizations
 *   it also carried (`foreign`), plus how many of its requests the outage refused. 100,000 events
 *   come back as a few hundred kB instead of every full event. Erasable TypeScript only.
 */

export interface Outage {
  /** The status answered while down; 0: up. */
  status: number;
  /** Only requests carrying an event of this organization are refused (absent: all requests). */
  organizationId?: string;
}

export interface AcceptedBatch {
  at: number;
  sequences: number[];
  foreign: number;
}

export interface SequenceSummary {
  accepted: AcceptedBatch[];
  /** Requests carrying the organization's events that the outage refused. */
  refused: number;
}

/** An event as a receiver sees it: only these two fields matter here. */
export interface EventIdentity {
  organizationId?: unknown;
  sequence?: unknown;
}

export function parseOutage(body: Buffer): Outage {
  const value = JSON.parse(body.toString('utf8')) as { status?: unknown; organizationId?: unknown };
  const status = typeof value.status === 'number' && Number.isInteger(value.status) ? value.status : 0;
  return typeof value.organizationId === 'string' ? { status, organizationId: value.organizationId } : { status };
}

/** Whether the outage refuses a request carrying these organizations' events. */
export function outageHits(outage: Outage, organizationIds: Iterable<unknown>): boolean {
  if (outage.status === 0) return false;
  if (outage.organizationId === undefined) return true;
  for (const id of organizationIds) if (id === outage.organizationId) return true;
  return false;
}

/** The organization's part of one accepted request, or null when it carried none of its events. */
export function acceptedBatch(at: number, events: Iterable<EventIdentity>, organizationId: string): AcceptedBatch | null {
  const batch: AcceptedBatch = { at, sequences: [], foreign: 0 };
  for (const event of events) {
    if (event.organizationId === organizationId && typeof event.sequence === 'number') batch.sequences.push(event.sequence);
    else batch.foreign += 1;
  }
  return batch.sequences.length > 0 ? batch : null;
}

export function summarize(
  requests: Iterable<{ at: number; events: Iterable<EventIdentity> }>,
  organizationId: string,
  refused: number,
): SequenceSummary {
  const accepted: AcceptedBatch[] = [];
  for (const request of requests) {
    const batch = acceptedBatch(request.at, request.events, organizationId);
    if (batch) accepted.push(batch);
  }
  return { accepted, refused };
}

/** Counts refusals per organization (a refused request counts once for each organization it carried). */
export function countRefusal(counts: Map<string, number>, organizationIds: Iterable<unknown>): void {
  for (const id of new Set(organizationIds)) if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
}
