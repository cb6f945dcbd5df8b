import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { archiveKeys } from '../worker/services/archive/storage.ts';
import { call, createOrg, expectProblem, json } from './helpers/api.ts';
import { build, ingestAll, lastWeek, weekEvents } from './helpers/archives.ts';
import { makeEvent, storedEvents } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

/** A real D1 failure: a trigger that aborts the statement for matching rows, dropped afterwards. */
async function withFailingTrigger<T>(database: D1Database, name: string, table: string, when: string, work: () => Promise<T>): Promise<T> {
  await database.exec(
    `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} WHEN ${when} BEGIN SELECT RAISE(ABORT, 'injected D1 failure'); END`,
  );
  try {
    return await work();
  } finally {
    await database.exec(`DROP TRIGGER ${name}`);
  }
}

async function count(orgId: string): Promise<number> {
  return (
    (
      await (
        await eventsD1(orgId)
      )
        .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ?')
        .bind(orgId)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

describe('fault injection', () => {
  it('a D1 error during ingest writes nothing, leaks nothing, and the retry stores every event exactly once', async () => {
    const org = await createOrg('fault-ingest');
    const items = Array.from({ length: 50 }, (_, index) =>
      makeEvent(index, { id: `fault-${index}`, action: index === 37 ? 'boom' : 'sync' }),
    );
    const before = await count(org.orgId);
    const failed = await withFailingTrigger(await eventsD1(org.orgId), 'fail_boom', 'audit_events', "new.action = 'boom'", async () =>
      call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }),
    );
    const text = await failed.clone().text();
    const problem = await expectProblem(failed, 500);
    expect(problem.detail).not.toMatch(/injected|D1|SQL|trigger/i);
    expect(text).not.toMatch(/injected|stack|at /);
    expect(await count(org.orgId)).toBe(before);

    const retry = await json<{ accepted: number; duplicates: number }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }),
      201,
    );
    expect(retry).toMatchObject({ accepted: 50, duplicates: 0 });
    const again = await json<{ accepted: number; duplicates: number }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items } }),
      201,
    );
    expect(again).toMatchObject({ accepted: 0, duplicates: 50 });
    expect(await count(org.orgId)).toBe(before + 50);
  });

  it('a D1 error during a management change leaves neither the change nor its audit event', async () => {
    const org = await createOrg('fault-member');
    const before = await storedEvents(org.orgId);
    const response = await withFailingTrigger(env.DB, 'fail_member', 'memberships', "new.role = 'admin'", async () =>
      call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email: 'faulty@example.com', name: 'F', role: 'admin' },
      }),
    );
    await expectProblem(response, 500);
    expect(await storedEvents(org.orgId)).toEqual(before);
    const members = await json<{ members: { email: string }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/members`, { token: org.ownerKey }),
      200,
    );
    expect(members.members.map((member) => member.email)).not.toContain('faulty@example.com');
  });

  it('an archive file missing from R2 answers its signed link with a 404 problem and records no download', async () => {
    const org = await createOrg('fault-r2');
    const week = lastWeek();
    await ingestAll(org, weekEvents(week.startMs, 10, 'r2'));
    await build(org.orgId, week.startDate);
    const list = await json<{ archives: { presignedUrl: string }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives`, { token: org.ownerKey }),
      200,
    );
    await env.ARCHIVES.delete(archiveKeys(org.orgId, week.startDate, 1).zip);
    const url = new URL(list.archives[0]?.presignedUrl ?? '');
    await expectProblem(await call(url.pathname + url.search), 404);
    expect((await storedEvents(org.orgId)).filter((event) => event.action === 'download')).toEqual([]);
  });
});
