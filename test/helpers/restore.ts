/** Shared steps of the restore tests (test/restore*.test.ts): archived weeks, rows lost, restore calls. */
import { week as isoWeek } from '../../worker/archive/week.ts';
import { archiveKeys } from '../../worker/services/archive/storage.ts';
import { ADMIN, call, createOrg, type TestOrg } from './api.ts';
import { build, ingestAll, r2Bytes, weekEvents } from './archives.ts';
import type { EventInput } from './events.ts';
import { eventsD1 } from './shards.ts';

/** Varied events (several actors, actions and object types, extra details) for facet and search counts. */
export function variedWeekEvents(startMs: number, count: number, prefix: string): EventInput[] {
  return weekEvents(startMs, count, prefix).map((event, index) => ({
    ...event,
    action: ['update', 'create', 'delete'][index % 3] as string,
    actor: { type: 'user', id: `${prefix}-user-${index % 4}@example.com`, ip: index % 2 ? '203.0.113.7' : '2001:db8::1' },
    object: { ...event.object, type: index % 5 === 0 ? 'kargo_promotion' : 'argocd_application' },
    details: { ...event.details, ...(index % 7 === 0 ? { revision: index, nested: { b: 1, a: [index] } } : {}) },
  }));
}

/** A new organization with `perWeek` events in each of the given closed weeks, each week archived (revision 1). */
export async function archivedOrg(label: string, weeksAgo: number[], perWeek: number) {
  const org = await createOrg(label);
  const weeks = weeksAgo.map((ago) => isoWeek(weekStart(ago)));
  for (const week of weeks) await ingestAll(org, variedWeekEvents(week.startMs, perWeek, `${label}${week.startDate}`));
  for (const week of weeks) {
    const built = await build(org.orgId, week.startDate);
    if (!built) throw new Error(`week ${week.startDate} was not built`);
  }
  const zips = await Promise.all(weeks.map((week) => r2Bytes(archiveKeys(org.orgId, week.startDate, 1).zip)));
  return { org, weeks, zips };
}

export function weekStart(weeksAgo: number): string {
  const ms = Date.now() - weeksAgo * 7 * 86_400_000;
  const day = Math.floor(ms / 86_400_000) * 86_400_000;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return new Date(day - weekday * 86_400_000).toISOString().slice(0, 10);
}

/** Deletes the organization's rows of a week from its shard (what a lost shard, or an operator's mistake, does). */
export async function deleteWeekRows(orgId: string, week: { startMs: number; endMs: number }, extra = ''): Promise<number> {
  const d1 = await eventsD1(orgId);
  const result = await d1
    .prepare(
      `DELETE FROM audit_events WHERE org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?)
        AND timestamp >= ? AND timestamp < ? ${extra} RETURNING id`,
    )
    .bind(orgId, week.startMs, week.endMs)
    .all();
  // Not meta.changes: that counts the triggers' changes too.
  return result.results.length;
}

export const restore = (org: TestOrg | string, weeks: unknown, token = ADMIN) =>
  call(`/api/v1/admin/organizations/${typeof org === 'string' ? org : org.orgId}/restore`, {
    method: 'POST',
    token,
    body: { weeks },
  });

/** The organization's events of a week as the shard holds them: id, sequence, content hash, receipt-independent. */
export async function weekRows(orgId: string, week: { startMs: number; endMs: number }) {
  const d1 = await eventsD1(orgId);
  const result = await d1
    .prepare(
      `SELECT id, sequence, hex(content_hash) AS hash, source, source_key_id AS sourceKeyId FROM audit_events
        WHERE org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?) AND timestamp >= ? AND timestamp < ? ORDER BY sequence`,
    )
    .bind(orgId, week.startMs, week.endMs)
    .all();
  return result.results;
}

/** The organization's facet counts, week counts and search rows: what the normal store keeps beside the events. */
export async function sideTables(orgId: string) {
  const d1 = await eventsD1(orgId);
  const facets = await d1
    .prepare('SELECT facet, value, event_count AS n FROM event_facets WHERE organization_id = ? AND event_count > 0 ORDER BY facet, value')
    .bind(orgId)
    .all();
  const weeks = await d1
    .prepare(
      'SELECT start_date AS week, event_count AS n, purged_at AS purgedAt FROM event_weeks WHERE organization_id = ? ORDER BY start_date',
    )
    .bind(orgId)
    .all();
  const search = await d1
    .prepare(
      `SELECT count(*) AS n FROM audit_events AS event WHERE event.org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?)
        AND EXISTS (SELECT 1 FROM audit_events_search AS indexed WHERE indexed.rowid = event.rowid)`,
    )
    .bind(orgId)
    .first<{ n: number }>();
  return { facets: facets.results, weeks: weeks.results, indexed: search?.n ?? 0 };
}
