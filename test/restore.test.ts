import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { RestoreResult } from '../worker/contract/restore.ts';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import { ADMIN, call, createOrg, expectProblem, json } from './helpers/api.ts';
import { build, r2Bytes } from './helpers/archives.ts';
import { archivedOrg, deleteWeekRows, restore, sideTables, weekRows } from './helpers/restore.ts';
import { eventsD1 } from './helpers/shards.ts';

type Week = { startDate: string; startMs: number; endMs: number };

function one(weeks: Week[]): Week {
  const [week] = weeks;
  if (!week) throw new Error('no week');
  return week;
}
function pair(weeks: Week[]): [Week, Week] {
  const [a, b] = weeks;
  if (!a || !b) throw new Error('two weeks expected');
  return [a, b];
}

/** Forces a rebuild of the week (a new revision) by marking it as having received an event since its last build. */
async function rebuild(orgId: string, week: Week) {
  const d1 = await eventsD1(orgId);
  await d1
    .prepare('UPDATE event_weeks SET last_received_at = ? WHERE organization_id = ? AND start_date = ?')
    .bind(Date.now() - 1, orgId, week.startDate)
    .run();
  const built = await build(orgId, week.startDate);
  if (!built) throw new Error('no rebuild');
  return built;
}

describe('restore from archives', () => {
  it('puts back every lost event unchanged: a rebuilt week is byte-identical to its archive; idempotent', async () => {
    const { org, weeks, zips } = await archivedOrg('restore', [2, 1], 240);
    const [older, newer] = pair(weeks);
    const before = await Promise.all(weeks.map((week) => weekRows(org.orgId, week)));
    const sideBefore = await sideTables(org.orgId);
    const manifestBefore = await r2Bytes(archiveKeys(org.orgId, newer.startDate, 1).manifest);

    expect(await deleteWeekRows(org.orgId, older)).toBe(240);
    expect(await deleteWeekRows(org.orgId, newer)).toBe(240);
    expect((await sideTables(org.orgId)).indexed).toBe(sideBefore.indexed - 480);

    const first = await json<RestoreResult>(await restore(org, [older.startDate, newer.startDate]), 200);
    expect(first.restore.weeks).toEqual(
      weeks.map((week) => ({
        week: week.startDate,
        revision: 1,
        archive: archiveKeys(org.orgId, week.startDate, 1).zip,
        events: 240,
        restored: 240,
        alreadyPresent: 0,
        conflicting: 0,
        conflicts: [],
      })),
    );
    // Same ids, sequences, content hashes and provenance; facets, week counts and search as before.
    expect(await Promise.all(weeks.map((week) => weekRows(org.orgId, week)))).toEqual(before);
    expect(await sideTables(org.orgId)).toEqual(sideBefore);
    const found = await json<{ items: unknown[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=5&filters.q=${encodeURIComponent('delete')}`, {
        token: org.ownerKey,
      }),
      200,
    );
    expect(found.items.length).toBeGreaterThan(0);

    // Idempotent: nothing more to put back.
    const second = await json<RestoreResult>(await restore(org, [newer.startDate, older.startDate]), 200);
    expect(second.restore.weeks.map((week) => [week.restored, week.alreadyPresent])).toEqual([
      [0, 240],
      [0, 240],
    ]);
    expect(await sideTables(org.orgId)).toEqual(sideBefore);

    // The restored week is not due again on its own (no new revision) …
    expect(await build(org.orgId, newer.startDate)).toBeNull();
    // … and rebuilt, it is byte-identical to the archive; the old revision is untouched (a new key).
    for (const [index, week] of weeks.entries()) {
      const rebuilt = await rebuild(org.orgId, week);
      expect(rebuilt.archive.revision).toBe(2);
      const zip = await r2Bytes(archiveKeys(org.orgId, week.startDate, 2).zip);
      expect(zip).toEqual(zips[index]);
      expect(await r2Bytes(archiveKeys(org.orgId, week.startDate, 1).zip)).toEqual(zips[index]);
    }
    expect(await r2Bytes(archiveKeys(org.orgId, newer.startDate, 1).manifest)).toEqual(manifestBefore);
  });

  it('after a partial loss puts back exactly the missing rows, and reports altered rows instead of overwriting them', async () => {
    const { org, weeks } = await archivedOrg('partial', [1], 120);
    const week = one(weeks);
    const before = await weekRows(org.orgId, week);
    const sideBefore = await sideTables(org.orgId);
    expect(await deleteWeekRows(org.orgId, week, 'AND sequence % 3 = 0')).toBe(40);
    // An altered row: same id, other content. Restore must not overwrite it, and says so.
    const d1 = await eventsD1(org.orgId);
    const altered = before[10] as { id: string; sequence: number };
    await d1
      .prepare(
        `UPDATE audit_events SET details_message = 'altered', content_hash = randomblob(16) WHERE id = ? AND org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?)`,
      )
      .bind(altered.id, org.orgId)
      .run();
    const result = await json<RestoreResult>(await restore(org, [week.startDate]), 200);
    expect(result.restore.weeks[0]).toMatchObject({ events: 120, restored: 40, alreadyPresent: 79, conflicting: 1 });
    expect(result.restore.weeks[0]?.conflicts).toEqual([
      { id: altered.id, sequence: altered.sequence, reason: `the shard holds id ${altered.id} with other content or sequence` },
    ]);
    // The recovery for an altered row: delete it, restore again.
    await d1
      .prepare('DELETE FROM audit_events WHERE id = ? AND org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?)')
      .bind(altered.id, org.orgId)
      .run();
    const again = await json<RestoreResult>(await restore(org, [week.startDate]), 200);
    expect(again.restore.weeks[0]).toMatchObject({ restored: 1, alreadyPresent: 119, conflicting: 0 });
    expect(await weekRows(org.orgId, week)).toEqual(before);
    expect(await sideTables(org.orgId)).toEqual(sideBefore);
  });

  it('two restores racing put each event back once, with exact counts', async () => {
    const { org, weeks } = await archivedOrg('race', [1], 150);
    const week = one(weeks);
    const sideBefore = await sideTables(org.orgId);
    await deleteWeekRows(org.orgId, week);
    const results = await Promise.all([restore(org, [week.startDate]), restore(org, [week.startDate])]);
    const bodies = await Promise.all(results.map((response) => json<RestoreResult>(response, 200)));
    expect(bodies.reduce((sum, body) => sum + (body.restore.weeks[0]?.restored ?? 0), 0)).toBe(150);
    expect(await sideTables(org.orgId)).toEqual(sideBefore);
  });
});

describe('restore refuses, restoring nothing', () => {
  it('a ZIP with one byte changed in a day file: 422 naming the file; the other week of the request is not restored either', async () => {
    const { org, weeks, zips } = await archivedOrg('tamper', [2, 1], 60);
    const [older, newer] = pair(weeks);
    await deleteWeekRows(org.orgId, older);
    await deleteWeekRows(org.orgId, newer);
    const tampered = new Uint8Array(zips[1] as Uint8Array);
    // A byte inside the first entry's compressed data (after its 30-byte local header and name).
    tampered[60] = (tampered[60] ?? 0) ^ 0x01;
    const key = archiveKeys(org.orgId, newer.startDate, 1).zip;
    await env.ARCHIVES.put(key, tampered);
    const problem = await expectProblem(await restore(org, [older.startDate, newer.startDate]), 422);
    expect(problem.type).toBe('urn:problem:audit-logs:archive-unverified');
    expect(problem.detail).toContain(key);
    expect(problem.errors?.[0]?.pointer).toBe('weeks/1');
    expect(await weekRows(org.orgId, older)).toEqual([]);
    expect(await weekRows(org.orgId, newer)).toEqual([]);
  });

  it('a forged manifest (its hashes rewritten to match a changed ZIP): 422 naming the manifest', async () => {
    const { org, weeks } = await archivedOrg('forged', [1], 30);
    const week = one(weeks);
    await deleteWeekRows(org.orgId, week);
    const keys = archiveKeys(org.orgId, week.startDate, 1);
    const manifest = JSON.parse(new TextDecoder().decode(await r2Bytes(keys.manifest))) as { archive: { records: number } };
    manifest.archive.records += 1;
    await env.ARCHIVES.put(keys.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    const problem = await expectProblem(await restore(org, [week.startDate]), 422);
    expect(problem.detail).toContain(keys.manifest);
    expect(await weekRows(org.orgId, week)).toEqual([]);
  });

  it("another organization's archive copied under this one's prefix is refused; its weeks are unknown here", async () => {
    const victim = await archivedOrg('victim', [1], 20);
    const week = one(victim.weeks);
    const thief = await createOrg('thief');
    const d1 = await eventsD1(thief.orgId);
    const count = () =>
      d1
        .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ?')
        .bind(thief.orgId)
        .first<{ n: number }>();
    const own = await count();
    const from = archiveKeys(victim.org.orgId, week.startDate, 1);
    // No archive of that week for this organization: 404 naming it.
    const unknown = await expectProblem(await restore(thief, [week.startDate]), 404);
    expect(unknown.detail).toContain(week.startDate);
    const to = archiveKeys(thief.orgId, week.startDate, 1);
    for (const file of ['zip', 'manifest', 'signature'] as const) await env.ARCHIVES.put(to[file], await r2Bytes(from[file]));
    const refused = await expectProblem(await restore(thief, [week.startDate]), 422);
    expect(refused.detail).toContain(to.manifest);
    expect(await count()).toEqual(own);
    // The victim's events stay the victim's.
    expect((await weekRows(victim.org.orgId, week)).length).toBe(20);
  });

  it('a manifest chain with a link missing in R2 is refused; what a failed build left behind is no link and no obstacle', async () => {
    const { org, weeks } = await archivedOrg('chain', [2, 1], 12);
    const [older, newer] = pair(weeks);
    // A build that failed before its row leaves a manifest no one points to: restore ignores it.
    await env.ARCHIVES.put(
      archiveKeys(org.orgId, older.startDate, 7).manifest,
      await r2Bytes(archiveKeys(org.orgId, older.startDate, 1).manifest),
    );
    await deleteWeekRows(org.orgId, newer);
    const ok = await json<RestoreResult>(await restore(org, [newer.startDate]), 200);
    expect(ok.restore.weeks[0]?.restored).toBe(12);
    // The older week's manifest, the newer one's predecessor, gone from R2: the newer week no longer verifies.
    await env.ARCHIVES.delete(archiveKeys(org.orgId, older.startDate, 1).manifest);
    await env.ARCHIVES.delete(archiveKeys(org.orgId, older.startDate, 7).manifest);
    await deleteWeekRows(org.orgId, newer);
    const refused = await expectProblem(await restore(org, [newer.startDate]), 422);
    expect(refused.detail).toContain(archiveKeys(org.orgId, newer.startDate, 1).manifest);
    expect(refused.detail).toContain('manifest chain');
    expect(await weekRows(org.orgId, newer)).toEqual([]);
  });

  it('an expired ZIP is 410 naming it; bad bodies are 422; only the platform admin token restores', async () => {
    const { org, weeks } = await archivedOrg('expired', [1], 10);
    const week = one(weeks);
    const keys = archiveKeys(org.orgId, week.startDate, 1);
    await env.ARCHIVES.delete(keys.zip);
    const d1 = await eventsD1(org.orgId);
    await d1.prepare('UPDATE archives SET expired_at = ? WHERE organization_id = ?').bind(Date.now(), org.orgId).run();
    const gone = await expectProblem(await restore(org, [week.startDate]), 410);
    expect(gone.detail).toContain(keys.zip);

    for (const weeksBody of [[], ['2026-11-24'], [week.startDate, week.startDate], ['2026-02-30'], 'x', Array(105).fill(week.startDate)]) {
      await expectProblem(await restore(org, weeksBody), 422);
    }
    await expectProblem(await restore(org, [week.startDate], org.ownerKey), 403);
    await expectProblem(await restore('org_does_not_exist', [week.startDate]), 404);
    await expectProblem(
      await call(`/api/v1/admin/organizations/${org.orgId}/restore`, { method: 'POST', body: { weeks: [week.startDate] } }),
      401,
    );
    expect(ADMIN.length).toBeGreaterThan(0);
  });
});
