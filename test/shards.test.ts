import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditLogPage } from '../worker/contract/index.ts';
import { database } from '../worker/db/client.ts';
import { NO_RESOLVED_FILTERS } from '../worker/events/filters.ts';
import { deliverPendingEvents } from '../worker/services/event-store/pending-events.ts';
import { queryAuditLogs } from '../worker/services/query/audit-logs.ts';
import { ADMIN, call, createOrg, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { makeEvent, storedEvents } from './helpers/events.ts';
import { DATABASES, eventsD1 } from './helpers/shards.ts';

const ingest = (org: TestOrg, count: number, prefix: string) =>
  call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
    method: 'POST',
    token: org.ownerKey,
    body: { items: Array.from({ length: count }, (_, index) => makeEvent(index, { id: `${prefix}-${index}` })) },
  });

/** Rows of the organization's events in one database, by its text id (the key differs per shard). */
async function rowsIn(database: D1Database, organizationId: string): Promise<number> {
  const row = await database
    .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ?')
    .bind(organizationId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

const BOOKMARK = 'x-d1-bookmark';

describe('shards', () => {
  it('places a new organization on the shard with the fewest events, and keeps every event of it there', async () => {
    const first = await createOrg('place-a', { shard: 'SHARD_1' });
    await json(await ingest(first, 60, 'a'), 201);
    const second = await createOrg('place-b', { shard: 'SHARD_2' });
    await json(await ingest(second, 20, 'b'), 201);
    // Counts across the file's other tests may differ; compare the two shards as they are now.
    const totals = async () =>
      Object.fromEntries(
        await Promise.all(
          (['SHARD_1', 'SHARD_2'] as const).map(async (name) => {
            const row = await DATABASES[name]?.prepare('SELECT coalesce(sum(event_count), 0) AS n FROM event_weeks').first<{ n: number }>();
            return [name, row?.n ?? 0] as const;
          }),
        ),
      ) as Record<'SHARD_1' | 'SHARD_2', number>;
    const before = await totals();
    const placed = await createOrg('place-c');
    expect(placed.shard).toBe(before.SHARD_1 <= before.SHARD_2 ? 'SHARD_1' : 'SHARD_2');
    // Tip the balance the other way: the next one goes to the other shard.
    const lighter = placed.shard === 'SHARD_1' ? first : second;
    const margin = Math.abs(before.SHARD_1 - before.SHARD_2) + 10;
    for (let sent = 0; sent < margin; sent += 500) await json(await ingest(lighter, Math.min(500, margin - sent), `tip-${sent}`), 201);
    const next = await createOrg('place-d');
    expect(next.shard).not.toBe(placed.shard);

    for (const org of [first, second]) {
      const own = await eventsD1(org.orgId);
      expect(await rowsIn(own, org.orgId)).toBeGreaterThan(0);
      for (const database of Object.values(DATABASES)) if (database !== own) expect(await rowsIn(database, org.orgId)).toBe(0);
    }
  });

  it('accepts an operator-chosen shard only if it is one of EVENT_SHARDS', async () => {
    for (const shard of ['DB', 'SHARD_9', 'shard_1', 'SHARD-1', '']) {
      const problem = await expectProblem(
        await call('/api/v1/organizations', {
          method: 'POST',
          token: ADMIN,
          body: { name: unique('bad-shard'), owner: { email: `${unique('o')}@example.com`, name: 'O' }, shard },
        }),
        422,
      );
      expect(problem.errors?.[0]?.pointer).toBe('shard');
    }
  });

  it('never reads another shard: the same organization key on two shards names two different tenants', async () => {
    const left = await createOrg('key-left', { shard: 'SHARD_1' });
    const right = await createOrg('key-right', { shard: 'SHARD_2' });
    await json(await ingest(left, 3, 'same-id'), 201);
    await json(await ingest(right, 3, 'same-id'), 201);
    // Read through the service on the wrong shard: the key is looked up by text id there, so nothing.
    const misrouted = await queryAuditLogs(database(env.SHARD_2), left.orgId, NO_RESOLVED_FILTERS, { limit: 50, offset: 0, cursor: null });
    expect(misrouted.items).toEqual([]);
    const page = await json<AuditLogPage>(
      await call(`/api/v1/organizations/${left.orgId}/audit-logs?filters.limit=100`, { token: left.ownerKey }),
      200,
    );
    expect(page.items.every((event) => event.organizationId === left.orgId)).toBe(true);
    expect(page.items.filter((event) => event.id.startsWith('same-id')).length).toBe(3);
  });

  it('records a control-data change and its event together; a shard failure delays the event, never loses or doubles it', async () => {
    const org = await createOrg('pending');
    const shard = await eventsD1(org.orgId);
    const before = (await storedEvents(org.orgId)).length;
    await shard.exec(
      "CREATE TRIGGER refuse_member_events BEFORE INSERT ON audit_events WHEN new.object_type = 'member' BEGIN SELECT RAISE(ABORT, 'shard down'); END",
    );
    let added: Response;
    try {
      added = await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email: `${unique('late')}@example.com`, name: 'Late', role: 'member' },
      });
    } finally {
      await shard.exec('DROP TRIGGER refuse_member_events');
    }
    // The change committed (with its event queued in the same transaction): the answer says so.
    expect(added.status).toBe(201);
    expect((await storedEvents(org.orgId)).length).toBe(before);
    const queued = await env.DB.prepare('SELECT count(*) AS n FROM pending_events WHERE organization_id = ?')
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(queued?.n).toBe(1);
    // Two deliveries racing store it once.
    const control = database(env.DB);
    const route = async () => database(shard);
    await Promise.all([deliverPendingEvents(control, route), deliverPendingEvents(control, route)]);
    const after = await storedEvents(org.orgId);
    expect(after.length).toBe(before + 1);
    expect(after.filter((event) => event.object_type === 'member' && event.action === 'create').length).toBe(2);
    const left = await env.DB.prepare('SELECT count(*) AS n FROM pending_events WHERE organization_id = ?')
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe('reading your own writes (D1 sessions and bookmarks)', () => {
  it('hands back a bookmark per database used, and takes it back on the next request', async () => {
    const org = await createOrg('bookmark');
    const written = await ingest(org, 2, 'bm');
    expect(written.status).toBe(201);
    const bookmarks = written.headers.get(BOOKMARK) ?? '';
    const parts = new Map(bookmarks.split(',').map((item) => item.split(':') as [string, string]));
    expect([...parts.keys()].sort()).toEqual(['DB', org.shard].sort());
    for (const value of parts.values()) expect(value).toMatch(/^[0-9a-f]+(-[0-9a-f]+)+$/);

    const read = await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { token: org.ownerKey, headers: { [BOOKMARK]: bookmarks } });
    expect(read.status).toBe(200);
    const page = (await read.json()) as AuditLogPage;
    expect(page.items.map((event) => event.id)).toEqual(expect.arrayContaining(['bm-0', 'bm-1']));
    // The answer's bookmarks are at least as new as the ones sent (D1 bookmarks sort as text).
    const returned = new Map((read.headers.get(BOOKMARK) ?? '').split(',').map((item) => item.split(':') as [string, string]));
    for (const [name, sent] of parts) expect((returned.get(name) ?? '') >= sent, name).toBe(true);
  });

  it('refuses a bookmark header it did not make, and ignores a damaged bookmark cookie', async () => {
    const org = await createOrg('bookmark-bad');
    for (const value of [
      'nonsense',
      'SHARD_9:00000000-00000001',
      'DB:zz-zz',
      'DB:0000-0001,DB:0000-0002',
      'DB:0000-0001;x',
      'DB: 0000-0001 x',
    ]) {
      const problem = await expectProblem(
        await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { token: org.ownerKey, headers: { [BOOKMARK]: value } }),
        400,
      );
      expect(problem.type).toBe('urn:problem:audit-logs:invalid-bookmark');
    }
    const cookie = await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
      token: org.ownerKey,
      headers: { cookie: 'audit_bookmark=garbage' },
    });
    expect(cookie.status).toBe(200);
  });

  it('keeps the dashboard session bookmark in a cookie', async () => {
    const org = await createOrg('bookmark-cookie');
    const session = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: org.ownerKey } });
    expect(session.status).toBe(201);
    const sessionCookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const read = await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { headers: { cookie: sessionCookie } });
    expect(read.status).toBe(200);
    const cookies = read.headers.getSetCookie();
    const bookmark = cookies.find((cookie) => cookie.startsWith('audit_bookmark='));
    expect(bookmark).toMatch(/HttpOnly/i);
    expect(decodeURIComponent(bookmark?.split(';')[0]?.slice('audit_bookmark='.length) ?? '')).toBe(read.headers.get(BOOKMARK));
  });
});
