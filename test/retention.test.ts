import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditLogSettings } from '../worker/contract/settings.ts';
import { database } from '../worker/db/client.ts';
import { buildDayPart } from '../worker/services/archive/build.ts';
import { applyRetention, type RetentionReport } from '../worker/services/archive/retention.ts';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import { call, createOrg, json } from './helpers/api.ts';
import { build, deps, ingestAll, lastWeek, weekEvents } from './helpers/archives.ts';
import { makeEvent } from './helpers/events.ts';
import { DATABASES, eventsD1 } from './helpers/shards.ts';

/** The retention job over every database, as the daily cron runs it, with one report. */
async function retentionEverywhere(defaults: AuditLogSettings): Promise<RetentionReport> {
  const report: RetentionReport = { purgedWeeks: [], deletedEvents: 0, kept: [] };
  for (const shard of Object.values(DATABASES)) {
    const part = await applyRetention(database(shard), env.ARCHIVES, env.ARCHIVE_SIGNING_KEY, Date.now(), defaults, new Map());
    report.purgedWeeks.push(...part.purgedWeeks);
    report.deletedEvents += part.deletedEvents;
    report.kept.push(...part.kept);
  }
  return report;
}

async function weekEventCount(orgId: string, startMs: number): Promise<number> {
  const row = await (await eventsD1(orgId))
    .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ? AND timestamp >= ? AND timestamp < ?')
    .bind(orgId, startMs, startMs + 7 * 86_400_000)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe('retention', () => {
  it('deletes only weeks whose archive holds every event and verifies', async () => {
    const week = lastWeek();
    const archived = await createOrg('kept-archived');
    const unarchived = await createOrg('kept-unarchived');
    const tampered = await createOrg('kept-tampered');
    const late = await createOrg('kept-late');
    for (const org of [archived, unarchived, tampered, late]) await ingestAll(org, weekEvents(week.startMs, 30, org.orgId));
    // Days deflated ahead of the week (services/archive/day-parts.ts) go with the week's events.
    for (const org of [archived, unarchived])
      for (const day of week.days) await buildDayPart(await deps(org.orgId), org.orgId, day.date, { now: Date.now(), settleMs: 0 });
    const dayParts = async (orgId: string) => (await env.ARCHIVES.list({ prefix: `archive-days/${orgId}/` })).objects.length;
    expect(await dayParts(archived.orgId)).toBe(12);
    for (const org of [archived, tampered, late]) expect(await build(org.orgId, week.startDate)).not.toBeNull();
    // Someone alters a stored manifest; and a late event arrives after another week's build.
    await env.ARCHIVES.put(archiveKeys(tampered.orgId, week.startDate, 1).manifest, '{"tampered":true}');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await json(
      await call(`/api/v1/organizations/${late.orgId}/audit-logs`, {
        method: 'POST',
        token: late.ownerKey,
        body: makeEvent(0, { timestamp: new Date(week.startMs + 1000).toISOString() }),
      }),
      201,
    );

    // Retention of 0 days: every closed week is past it.
    const report = await retentionEverywhere({ hotRetentionDays: 0, archiveRetentionDays: 0 });
    expect(report.purgedWeeks).toContain(`${archived.orgId}/${week.startDate}`);
    expect(await weekEventCount(archived.orgId, week.startMs)).toBe(0);
    expect(await dayParts(archived.orgId)).toBe(0);
    expect(await dayParts(unarchived.orgId)).toBe(12);
    const reasons = Object.fromEntries(
      report.kept.filter((entry) => entry.startDate === week.startDate).map((entry) => [entry.organizationId, entry.reason]),
    );
    expect(reasons[unarchived.orgId]).toMatch(/no archive/);
    expect(reasons[tampered.orgId]).toMatch(/manifest hash/);
    expect(reasons[late.orgId]).toMatch(/no archive holds all/);
    expect(await weekEventCount(unarchived.orgId, week.startMs)).toBe(30);
    expect(await weekEventCount(tampered.orgId, week.startMs)).toBe(30);
    expect(await weekEventCount(late.orgId, week.startMs)).toBe(31);

    // The purged week's events are gone from search as well (the FTS index follows deletes).
    const search = await json<{ totalCount: number }>(
      await call(`/api/v1/organizations/${archived.orgId}/audit-logs?filters.q=synced`, { token: archived.ownerKey }),
      200,
    );
    expect(search.totalCount).toBe(0);
    // The unfiltered total (kept by triggers in event_weeks) follows the deletes exactly.
    const remaining = await json<{ totalCount: number }>(
      await call(`/api/v1/organizations/${archived.orgId}/audit-logs`, { token: archived.ownerKey }),
      200,
    );
    const stored = await (await eventsD1(archived.orgId))
      .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ?')
      .bind(archived.orgId)
      .first<{ n: number }>();
    expect(remaining.totalCount).toBe(stored?.n);
    expect(remaining.totalCount).toBeGreaterThan(0); // this week's management events
    // A second run has nothing more to delete for the purged week.
    const again = await retentionEverywhere({ hotRetentionDays: 0, archiveRetentionDays: 0 });
    expect(again.purgedWeeks).not.toContain(`${archived.orgId}/${week.startDate}`);
  });

  it('keeps everything inside the retention period', async () => {
    const org = await createOrg('recent');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 10, 'recent'));
    await build(org.orgId, week.startDate);
    const report = await retentionEverywhere({ hotRetentionDays: 90, archiveRetentionDays: 0 });
    expect(report.purgedWeeks.filter((entry) => entry.startsWith(org.orgId))).toEqual([]);
    expect(await weekEventCount(org.orgId, week.startMs)).toBe(10);
  });
});
