import { env } from 'cloudflare:workers';
import { week, weekStartDate } from '../../worker/archive/week.ts';
import { sha256Hex } from '../../worker/auth/secrets.ts';
import type { ArchiveList, AuditLogArchive } from '../../worker/contract/index.ts';
import { type BuildOptions, buildWeekArchive } from '../../worker/services/archive/build.ts';
import { archiveKeys } from '../../worker/services/archive/storage.ts';
import { call, createOrg, json, type TestOrg } from './api.ts';
import { type EventInput, makeEvent } from './events.ts';
import { eventsDatabase } from './shards.ts';

/** What an archive build of the organization needs: its shard, the bucket and the signing key. */
export const deps = async (organizationId: string) => ({
  db: await eventsDatabase(organizationId),
  bucket: env.ARCHIVES,
  signingKey: env.ARCHIVE_SIGNING_KEY,
});

/** Last week's Monday: a closed week whose events are still inside MAX_EVENT_AGE_DAYS. */
export function lastWeek(): ReturnType<typeof week> {
  return week(weekStartDate(Date.now() - 7 * 86_400_000));
}

/** Builds now, counting events received up to this instant (no settle delay). */
export async function build(organizationId: string, startDate: string, options: Partial<BuildOptions> = {}) {
  return buildWeekArchive(await deps(organizationId), organizationId, startDate, { now: Date.now(), settleMs: 0, ...options });
}

/** `count` events spread over the week's days (day 6, Sunday, left empty on purpose when `skipSunday`). */
export function weekEvents(startMs: number, count: number, prefix: string, skipSunday = true): EventInput[] {
  const days = skipSunday ? 6 : 7;
  return Array.from({ length: count }, (_, index) =>
    makeEvent(index, {
      id: `${prefix}-${String(index).padStart(7, '0')}`,
      timestamp: new Date(startMs + (index % days) * 86_400_000 + Math.floor(index / days) * 1000 + 500).toISOString(),
      details: { message: `Synced ${prefix} ${index} to ${((index * 2654435761) >>> 0).toString(16)}`, actionType: 'sync' },
    }),
  );
}

export async function ingestAll(org: TestOrg, events: EventInput[]): Promise<void> {
  for (let start = 0; start < events.length; start += 1000) {
    await json(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: { items: events.slice(start, start + 1000) },
      }),
      201,
    );
  }
}

export async function r2Bytes(key: string): Promise<Uint8Array> {
  const object = await env.ARCHIVES.get(key);
  if (!object) throw new Error(`no R2 object ${key}`);
  return new Uint8Array(await object.arrayBuffer());
}

/** SHA-256 hex, the same helper the Worker uses for content and manifest hashes. */
export const sha256 = (bytes: Uint8Array): Promise<string> => sha256Hex(bytes);

/**
 * A new organization with `count` events last week, archived: its listed archive (with its signed
 * links), the week, and the ZIP's bytes as stored.
 */
export async function archivedWeekOf(label: string, count: number) {
  const org = await createOrg(label);
  const archivedWeekDates = lastWeek();
  await ingestAll(org, weekEvents(archivedWeekDates.startMs, count, label));
  await build(org.orgId, archivedWeekDates.startDate);
  const listed = await json<ArchiveList>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives`, { token: org.ownerKey }),
    200,
  );
  const item: AuditLogArchive | undefined = listed.archives[0];
  if (!item?.presignedUrl) throw new Error('no archive');
  const bytes = await r2Bytes(archiveKeys(org.orgId, archivedWeekDates.startDate, 1).zip);
  return { org, week: archivedWeekDates, item, bytes };
}
