import { env } from 'cloudflare:workers';

export interface StoredEventSummary {
  action: string;
  actor_type: string;
  actor_id: string;
  object_type: string;
  object_name: string;
  instance_id: string | null;
}

/** Reads audit_events straight from D1, to check what a request really stored. */
export async function storedEvents(organizationId: string): Promise<StoredEventSummary[]> {
  const result = await env.DB.prepare(
    'SELECT action, actor_type, actor_id, object_type, object_name, instance_id FROM audit_events WHERE organization_id = ? ORDER BY timestamp, id',
  )
    .bind(organizationId)
    .all<StoredEventSummary>();
  return result.results;
}

export async function countRows(table: 'audit_events' | 'organizations' | 'memberships' | 'api_keys' | 'instances' | 'users' | 'sessions'): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}
