import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DayFileWriter } from '../worker/archive/day-file.ts';
import { dateString } from '../worker/archive/week.ts';
import type { ArchiveJob } from '../worker/env.ts';
import { eventLineWriter } from '../worker/events/event-line.ts';
import type { EventColumns } from '../worker/events/event-shape.ts';
import worker from '../worker/index.ts';
import { enqueueDueArchives } from '../worker/jobs/daily-cron.ts';
import { buildDayPart } from '../worker/services/archive/build.ts';
import { DAY_PART_FORMAT, dayPartsPrefix, deleteDayParts } from '../worker/services/archive/day-parts.ts';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import { createOrg } from './helpers/api.ts';
import { build, deps, ingestAll, lastWeek, r2Bytes, sha256, weekEvents } from './helpers/archives.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

// Small pages: each day file is several deflate chunks, as a real day is.
const PAGE_SIZE = 7;
const week = lastWeek();
const dayPartOptions = () => ({ now: Date.now(), settleMs: 0, pageSize: PAGE_SIZE });

async function partKeys(organizationId: string): Promise<string[]> {
  const keys: string[] = [];
  for (const day of week.days) {
    const listed = await env.ARCHIVES.list({ prefix: dayPartsPrefix(organizationId, day.date) });
    keys.push(...listed.objects.map((object) => object.key));
  }
  return keys;
}

async function buildAllDayParts(organizationId: string) {
  const built = [];
  for (const day of week.days) built.push(await buildDayPart(await deps(organizationId), organizationId, day.date, dayPartOptions()));
  return built;
}

/** A new archive revision is only built for new events; the tests start a week over instead. */
async function forgetArchives(organizationId: string): Promise<void> {
  await (await eventsD1(organizationId)).prepare('DELETE FROM archives WHERE organization_id = ?').bind(organizationId).run();
}

async function weekZip(organizationId: string, revision: number) {
  const zip = await r2Bytes(archiveKeys(organizationId, week.startDate, revision).zip);
  return { zip, sha256: await sha256(zip) };
}

describe('day parts (days deflated ahead of their week)', () => {
  it('a week stitched from day parts is byte-identical to the same week built from D1', async () => {
    const org = await createOrg('parts-same');
    await ingestAll(org, weekEvents(week.startMs, 90, 'p'));
    const parts = await buildAllDayParts(org.orgId);
    // Six days with events get a part; Sunday (empty) does not.
    expect(parts.map((part) => part?.records ?? 0)).toEqual([15, 15, 15, 15, 15, 15, 0]);
    expect(await partKeys(org.orgId)).toHaveLength(12); // data + summary per day

    const stitched = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect(stitched?.daysFromParts).toBe(6);
    const fromParts = await weekZip(org.orgId, 1);

    await deleteDayParts(
      env.ARCHIVES,
      org.orgId,
      week.days.map((day) => day.date),
    );
    expect(await partKeys(org.orgId)).toEqual([]);
    await forgetArchives(org.orgId);
    const rebuilt = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect(rebuilt?.daysFromParts).toBe(0);
    // Write-once: the forgotten revision 1 stays in R2; the rebuild is the next revision.
    const fromD1 = await weekZip(org.orgId, rebuilt?.archive.revision ?? 0);

    expect(fromParts.sha256).toBe(fromD1.sha256);
    expect(fromParts.zip).toEqual(fromD1.zip);
    expect(stitched?.manifest.files).toEqual(rebuilt?.manifest.files);
    const entries = unzipSync(fromParts.zip);
    expect(Object.keys(entries)).toEqual(week.days.map((day) => `${day.date}.json`));
    const ids = Object.values(entries).flatMap((bytes) =>
      (JSON.parse(new TextDecoder().decode(bytes)) as { id: string }[]).map((event) => event.id),
    );
    expect(ids).toHaveLength(90);
  });

  it('a late event leaves its day part unused: only that day is read again, and the revision holds it', async () => {
    const org = await createOrg('parts-late');
    await ingestAll(org, weekEvents(week.startMs, 60, 'l'));
    await buildAllDayParts(org.orgId);
    const first = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect(first?.daysFromParts).toBe(6);

    const tuesday = week.days[1];
    if (!tuesday) throw new Error('no Tuesday');
    const late = makeEvent(999, { id: 'late-tuesday', timestamp: new Date(tuesday.startMs + 3_600_000).toISOString() });
    await ingestAll(org, [late]);
    const second = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect(second?.archive.revision).toBe(2);
    expect(second?.daysFromParts).toBe(5);
    expect(second?.manifest.files.map((file) => file.records)).toEqual([10, 11, 10, 10, 10, 10, 0]);
    // The unchanged days are the same files as before.
    const unchanged = (files: { name: string; sha256: string }[] | undefined) =>
      files?.filter((file) => file.name !== `${tuesday.date}.json`);
    expect(unchanged(second?.manifest.files)).toEqual(unchanged(first?.manifest.files));
    const { zip } = await weekZip(org.orgId, 2);
    expect(new TextDecoder().decode(unzipSync(zip)[`${tuesday.date}.json`])).toContain('"id":"late-tuesday"');

    // And it equals the week built from D1 alone.
    await deleteDayParts(
      env.ARCHIVES,
      org.orgId,
      week.days.map((day) => day.date),
    );
    await forgetArchives(org.orgId);
    const fromD1 = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect((await weekZip(org.orgId, fromD1?.archive.revision ?? 0)).sha256).toBe(await sha256(zip));
  });

  it('the same count of other events (one gone, one added) still makes the day read again', async () => {
    const org = await createOrg('parts-swap');
    await ingestAll(org, weekEvents(week.startMs, 18, 'w'));
    await buildAllDayParts(org.orgId);
    const monday = week.days[0];
    if (!monday) throw new Error('no Monday');
    // Only retention deletes events (whole weeks, parts included); here one goes behind its back.
    const shard = await eventsD1(org.orgId);
    await shard
      .prepare('DELETE FROM audit_events WHERE id = ? AND org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?)')
      .bind('w-0000000', org.orgId)
      .run();
    await ingestAll(org, [makeEvent(7, { id: 'swapped-in', timestamp: new Date(monday.startMs + 60_000).toISOString() })]);
    const built = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect(built?.daysFromParts).toBe(5);
    const text = new TextDecoder().decode(unzipSync((await weekZip(org.orgId, 1)).zip)[`${monday.date}.json`]);
    expect(text).toContain('"id":"swapped-in"');
    expect(text).not.toContain('"id":"w-0000000"');
    expect(built?.manifest.files[0]?.records).toBe(3);
  });

  it('deflates nothing twice, nothing open and nothing empty; a malformed date fails the job', async () => {
    const org = await createOrg('parts-idempotent');
    await ingestAll(org, weekEvents(week.startMs, 12, 'i'));
    const monday = week.days[0]?.date ?? '';
    const sunday = week.days[6]?.date ?? '';
    expect((await buildDayPart(await deps(org.orgId), org.orgId, monday, dayPartOptions()))?.records).toBe(2);
    expect(await buildDayPart(await deps(org.orgId), org.orgId, monday, dayPartOptions())).toBeNull();
    expect(await buildDayPart(await deps(org.orgId), org.orgId, sunday, dayPartOptions())).toBeNull();
    const today = dateString(Date.now());
    expect(await buildDayPart(await deps(org.orgId), org.orgId, today, dayPartOptions())).toBeNull();
    expect(await partKeys(org.orgId)).toHaveLength(2);
    await expect(buildDayPart(await deps(org.orgId), org.orgId, '2026-02-30', dayPartOptions())).rejects.toThrow(RangeError);
  });

  it('two jobs deflating one day at once leave a part the week uses, and the same bytes', async () => {
    const org = await createOrg('parts-race');
    await ingestAll(org, weekEvents(week.startMs, 36, 'r'));
    const tuesday = week.days[1]?.date ?? '';
    const racing = await Promise.all([1, 2, 3].map(async () => buildDayPart(await deps(org.orgId), org.orgId, tuesday, dayPartOptions())));
    expect(racing.some((part) => part?.records === 6)).toBe(true);
    const built = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect(built?.daysFromParts).toBe(1);
    const fromPart = await weekZip(org.orgId, 1);
    await deleteDayParts(env.ARCHIVES, org.orgId, [tuesday]);
    await forgetArchives(org.orgId);
    const again = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect((await weekZip(org.orgId, again?.archive.revision ?? 0)).sha256).toBe(fromPart.sha256);
  });

  it("never uses another organization's parts, even for the same events", async () => {
    const owner = await createOrg('parts-owner');
    const other = await createOrg('parts-other', { shard: 'SHARD_2' });
    const events = weekEvents(week.startMs, 30, 's');
    await ingestAll(owner, events);
    await ingestAll(other, events);
    await buildAllDayParts(owner.orgId);
    const built = await build(other.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect(built?.daysFromParts).toBe(0);
    expect(await partKeys(other.orgId)).toEqual([]);
    const text = new TextDecoder().decode(unzipSync((await weekZip(other.orgId, 1)).zip)[`${week.startDate}.json`]);
    expect(text).toContain(`"organizationId":"${other.orgId}"`);
    expect(text).not.toContain(owner.orgId);
  });

  it('a part whose summary is not ours or names other data, or whose data is gone or cut short, is not used', async () => {
    const org = await createOrg('parts-broken');
    await ingestAll(org, weekEvents(week.startMs, 24, 'b'));
    await buildAllDayParts(org.orgId);
    const keys = await partKeys(org.orgId);
    const mondaySummary = keys.find((key) => key.includes(`/${week.days[0]?.date}/`) && key.endsWith('.json'));
    const tuesdayData = keys.find((key) => key.includes(`/${week.days[1]?.date}/`) && key.endsWith('.deflate'));
    if (!mondaySummary || !tuesdayData) throw new Error(`parts missing: ${keys.join(', ')}`);
    await env.ARCHIVES.put(mondaySummary, JSON.stringify({ records: 4, maxSequence: 1, size: 'lots', crc: 0, sha256: 'x' }));
    await env.ARCHIVES.delete(tuesdayData);
    // Wednesday's data shorter than its summary says (a part cut short).
    const wednesdayData = keys.find((key) => key.includes(`/${week.days[2]?.date}/`) && key.endsWith('.deflate')) ?? '';
    const wednesdayBytes = await r2Bytes(wednesdayData);
    await env.ARCHIVES.put(wednesdayData, wednesdayBytes.subarray(0, wednesdayBytes.byteLength - 1));
    // Thursday's summary made of Friday's, pointing at Friday's data (a summary only ever names its
    // own day's data).
    const summaryOf = (day: number) => keys.find((key) => key.includes(`/${week.days[day]?.date}/`) && key.endsWith('.json')) ?? '';
    const thursday = (await (await env.ARCHIVES.get(summaryOf(3)))?.json()) as Record<string, unknown>;
    const friday = (await (await env.ARCHIVES.get(summaryOf(4)))?.json()) as Record<string, unknown>;
    await env.ARCHIVES.put(summaryOf(3), JSON.stringify({ ...friday, records: thursday.records, maxSequence: thursday.maxSequence }));
    const built = await build(org.orgId, week.startDate, { pageSize: PAGE_SIZE });
    expect(built?.daysFromParts).toBe(2);
    expect(built?.manifest.files.map((file) => file.records)).toEqual([4, 4, 4, 4, 4, 4, 0]);
    const entries = unzipSync((await weekZip(org.orgId, 1)).zip);
    const records = Object.values(entries).map((bytes) => (JSON.parse(new TextDecoder().decode(bytes)) as unknown[]).length);
    expect(records).toEqual([4, 4, 4, 4, 4, 4, 0]);
  });

  it('the daily cron queues yesterday for organizations with events on it, and the consumer deflates it', async () => {
    const org = await createOrg('parts-cron');
    await ingestAll(org, weekEvents(week.startMs, 14, 'c'));
    const wednesday = week.days[2];
    if (!wednesday) throw new Error('no Wednesday');
    // The cron of Thursday 00:30 (the events were received today, after Wednesday began).
    const jobs = (await enqueueDueArchives(env, wednesday.endMs + 30 * 60_000)).filter((job) => job.organizationId === org.orgId);
    expect(jobs).toEqual([{ organizationId: org.orgId, date: wednesday.date }]);
    // The consumer deflates events received at least a minute ago (SETTLE_MS): age them.
    await (await eventsD1(org.orgId))
      .prepare(
        'UPDATE audit_events SET received_at = received_at - 120000 WHERE org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?)',
      )
      .bind(org.orgId)
      .run();

    const batch = createMessageBatch<ArchiveJob>('audit-log-archive-jobs', [
      { id: 'd1', timestamp: new Date(), attempts: 1, body: jobs[0] as ArchiveJob },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['d1']);
    // (The queue may also have run the cron's own message: one summary either way.)
    const keys = await partKeys(org.orgId);
    expect(keys.filter((key) => key.endsWith('.json'))).toHaveLength(1);
    expect(keys.every((key) => key.startsWith(dayPartsPrefix(org.orgId, wednesday.date)))).toBe(true);

    // An organization without events that day gets no job.
    const quiet = await createOrg('parts-quiet');
    await ingestAll(quiet, weekEvents(week.startMs, 6, 'q').slice(0, 1)); // Monday only
    const quietJobs = (await enqueueDueArchives(env, wednesday.endMs + 30 * 60_000)).filter((job) => job.organizationId === quiet.orgId);
    expect(quietJobs).toEqual([]);
  });

  it('pins the bytes of a day file, so a format change must raise DAY_PART_FORMAT', async () => {
    const row: EventColumns = {
      sequence: 7,
      id: 'evt-pinned',
      instanceId: 'inst-1',
      timestamp: Date.UTC(2026, 0, 5, 1, 2, 3, 456),
      action: 'update',
      actorType: 'user',
      actorId: 'alice@example.com',
      actorIp: '203.0.113.7',
      objectType: 'argocd_application',
      objectName: 'guestbook',
      objectKind: 'Application',
      objectGroup: 'argoproj.io',
      objectNamespace: 'argocd',
      parentName: null,
      parentParentName: null,
      parentApplicationName: null,
      parentKargoProjectName: 'proj',
      detailsMessage: 'Synced "guestbook"\n',
      detailsPatch: '{"spec":{}}',
      detailsActionType: 'sync',
      detailsJson: '{"extra":{"a":[1,"two"]}}',
      source: 'ingest',
      sourceKeyId: 'key_pinned',
      credentialType: 'api_key',
      credentialId: 'key_pinned',
    };
    const writer = new DayFileWriter();
    const line = eventLineWriter('org_pinned');
    const page = writer.page([
      line(row),
      line({ ...row, id: 'evt-pinned-2', sequence: 8, detailsJson: null, actorIp: null, credentialType: null, credentialId: null }),
    ]);
    const bytes = new Uint8Array([...page, ...writer.end()]);
    // If this fails, day files of the same events changed: raise DAY_PART_FORMAT (parts made
    // before would otherwise be stitched beside new ones) and update this hash.
    expect({ format: DAY_PART_FORMAT, sha256: await sha256(bytes) }).toEqual({
      format: 3,
      sha256: 'dedab140032b688c897607729235690da4daf325aa86c4fdbf39de04b53460ad',
    });
  });
});
