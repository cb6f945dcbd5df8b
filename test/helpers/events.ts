import type { AuditEventInputBody } from '../../worker/contract/index.ts';
import { contentHashOf } from '../../worker/events/content-hash.ts';
import { DATABASES, eventsD1 } from './shards.ts';

export interface StoredEventSummary {
  action: string;
  actor_type: string;
  actor_id: string;
  object_type: string;
  object_name: string;
  instance_id: string | null;
  credential_type: string | null;
  credential_id: string | null;
}

/** Reads audit_events straight from D1, to check what a request really stored. */
export async function storedEvents(organizationId: string): Promise<StoredEventSummary[]> {
  const result = await (await eventsD1(organizationId))
    .prepare(
      'SELECT action, actor_type, actor_id, object_type, object_name, instance_id, credential_type, credential_id FROM audit_events_by_organization WHERE organization_id = ? ORDER BY timestamp, id',
    )
    .bind(organizationId)
    .all<StoredEventSummary>();
  return result.results;
}

/** Rows of a table, summed over the main database and every shard. */
export async function countRows(
  table: 'audit_events' | 'organizations' | 'memberships' | 'api_keys' | 'instances' | 'users' | 'sessions',
): Promise<number> {
  let total = 0;
  for (const database of Object.values(DATABASES)) {
    total += (await database.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0;
  }
  return total;
}

/** What a client sends to the ingest endpoint (the contract's input type). */
export type EventInput = AuditEventInputBody;

/** A valid event `minutesAgo` in the past; override any field. */
export function makeEvent(index: number, overrides: Partial<EventInput> = {}, minutesAgo = index + 1): EventInput {
  return {
    timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    action: 'update',
    actor: { type: 'user', id: 'alice@example.com', ip: '203.0.113.7' },
    object: {
      type: 'argocd_application',
      id: { name: `app-${index}`, kind: 'Application', group: 'argoproj.io' },
      parentId: { name: 'prod' },
    },
    details: { message: `Synced to ${index.toString(16).padStart(7, '0')}`, actionType: 'sync' },
    ...overrides,
  };
}

/** 64 lowercase hex digits: a contentHash (docs/INTEGRITY.md). */
export const HEX64 = /^[0-9a-f]{64}$/;

/** An expected event as the API returns it: the fields given, then their contentHash (recomputed here). */
export function withContentHash<Event extends object>(event: Event): Event & { contentHash: string } {
  return { ...event, contentHash: contentHashOf(event) };
}
