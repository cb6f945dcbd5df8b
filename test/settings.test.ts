import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { verifyDirectory } from '../worker/archive/verify/index.ts';
import type { ArchiveList } from '../worker/contract/index.ts';
import { database } from '../worker/db/client.ts';
import { expireArchives } from '../worker/services/archive/expiry.ts';
import { applyRetention } from '../worker/services/archive/retention.ts';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import { allSettings } from '../worker/services/organizations/settings.ts';
import { ADMIN, call, createKey, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { build, ingestAll, lastWeek, weekEvents } from './helpers/archives.ts';
import { storedEvents } from './helpers/events.ts';

const settingsPath = (org: TestOrg) => `/api/v1/organizations/${org.orgId}/audit-log-settings`;
const patch = (org: TestOrg, body: unknown, token = org.ownerKey) => call(settingsPath(org), { method: 'PATCH', token, body });

describe('audit-log settings', () => {
  it('starts from the deployment defaults, changes by owners only, and records every change', async () => {
    const org = await createOrg('settings');
    expect(await json(await call(settingsPath(org), { token: org.ownerKey }), 200)).toEqual({
      hotRetentionDays: 90,
      archiveRetentionDays: 0,
    });
    const auditor = await createKey(org, 'auditor');
    expect((await call(settingsPath(org), { token: auditor.secret })).status).toBe(200);
    await expectProblem(await patch(org, { hotRetentionDays: 30 }, auditor.secret), 403);
    await expectProblem(await patch(org, { hotRetentionDays: 30 }, (await createKey(org, 'admin')).secret), 403);
    await expectProblem(await call(settingsPath(org), { token: (await createOrg('settings-other')).ownerKey }), 403);

    expect(await json(await patch(org, { hotRetentionDays: 30, archiveRetentionDays: 400 }), 200)).toEqual({
      hotRetentionDays: 30,
      archiveRetentionDays: 400,
    });
    expect(await json(await call(settingsPath(org), { token: org.ownerKey }), 200)).toEqual({
      hotRetentionDays: 30,
      archiveRetentionDays: 400,
    });
    // The same values again change nothing and record nothing.
    await json(await patch(org, { hotRetentionDays: 30 }), 200);
    const changes = (await storedEvents(org.orgId)).filter((event) => event.object_type === 'audit_log_settings');
    expect(changes).toEqual([expect.objectContaining({ action: 'update', object_name: 'audit-log-settings', actor_id: org.ownerEmail })]);
    const list = await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=1`, { token: org.ownerKey });
    expect(list.headers.get('x-hot-retention-days')).toBe('30');
  });

  it('refuses values outside the rules with 422 naming the field, and changes nothing', async () => {
    const org = await createOrg('settings-bad');
    for (const [body, pointer] of [
      [{ hotRetentionDays: 6 }, 'hotRetentionDays'],
      [{ hotRetentionDays: 3651 }, 'hotRetentionDays'],
      [{ hotRetentionDays: 30.5 }, 'hotRetentionDays'],
      [{ archiveRetentionDays: 364 }, 'archiveRetentionDays'],
      [{ archiveRetentionDays: -1 }, 'archiveRetentionDays'],
      // An archive may not expire while its events are still in the API.
      [{ hotRetentionDays: 800, archiveRetentionDays: 400 }, 'archiveRetentionDays'],
      [{ retention: 10 }, 'retention'],
    ] as const) {
      const problem = await expectProblem(await patch(org, body), 422);
      expect(
        problem.errors?.map((error) => error.pointer),
        JSON.stringify(body),
      ).toContain(pointer);
    }
    expect(await json(await call(settingsPath(org), { token: org.ownerKey }), 200)).toEqual({
      hotRetentionDays: 90,
      archiveRetentionDays: 0,
    });
  });
});

describe('retention by organization', () => {
  it('holds each organization to its own hot retention, and expires archive ZIPs while the chain still verifies', async () => {
    const week = lastWeek();
    // Both on one shard: the daily job runs retention shard by shard with every organization's settings.
    const short = await createOrg('retention-short', { shard: 'SHARD_2' });
    const long = await createOrg('retention-long', { shard: 'SHARD_2' });
    for (const org of [short, long]) {
      await ingestAll(org, weekEvents(week.startMs, 20, org.orgId));
      expect(await build(org.orgId, week.startDate)).not.toBeNull();
    }
    await json(await patch(short, { hotRetentionDays: 7, archiveRetentionDays: 365 }), 200);
    const settings = await allSettings(database(env.DB), { hotRetentionDays: 90, maxEventAgeDays: 30, archiveSettleMs: 0 });
    // Ten days from now, last week ended more than 7 days ago, but not 90.
    const later = Date.now() + 10 * 86_400_000;
    const db = database(env.SHARD_2);
    const report = await applyRetention(
      db,
      env.ARCHIVES,
      env.ARCHIVE_SIGNING_KEY,
      later,
      { hotRetentionDays: 90, archiveRetentionDays: 0 },
      settings,
    );
    expect(report.purgedWeeks).toContain(`${short.orgId}/${week.startDate}`);
    expect(report.purgedWeeks).not.toContain(`${long.orgId}/${week.startDate}`);

    // A year and more later the short one's archive ZIP expires; nothing else does.
    const expiry = await expireArchives(db, env.ARCHIVES, Date.now() + 380 * 86_400_000, settings);
    expect(expiry.expired).toEqual([`${short.orgId}/${week.startDate}/rev1`]);
    const keys = archiveKeys(short.orgId, week.startDate, 1);
    expect(await env.ARCHIVES.head(keys.zip)).toBeNull();
    expect(await env.ARCHIVES.head(keys.manifest)).not.toBeNull();

    const listed = await json<ArchiveList>(
      await call(`/api/v1/organizations/${short.orgId}/audit-logs-archives`, { token: short.ownerKey }),
      200,
    );
    const [archive] = listed.archives;
    expect(archive).toMatchObject({ expired: true, records: 20 });
    expect(archive?.presignedUrl).toBeUndefined();
    const manifest = await call(new URL(archive?.manifestUrl ?? '').pathname + new URL(archive?.manifestUrl ?? '').search);
    expect(manifest.status).toBe(200);

    // The manifest and signature alone still verify, and keep the chain.
    const files = await Promise.all(
      ['manifest', 'signature'].map(async (file) => {
        const key = file === 'manifest' ? keys.manifest : keys.signature;
        const object = await env.ARCHIVES.get(key);
        const bytes = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
        return { name: key.split('/').at(-1) ?? key, read: async () => bytes };
      }),
    );
    const { pem } = await json<{ pem: string }>(await call('/api/v1/audit-logs-archives/public-key', { token: ADMIN }), 200);
    const verdict = await verifyDirectory({ files, publicKeyPem: pem });
    expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
  });
});
