// Every filter, page and search case of the audit-log list against one seeded organization.
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createInstance, createKey, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { type EventInput, makeEvent } from './helpers/events.ts';

interface Item {
  id: string;
  instanceId: string | null;
  timestamp: string;
  action: string;
  actor: { type: string; id: string };
  object: { type: string; id: { name: string } };
  details: { message: string };
}
interface Page {
  items: Item[];
  totalCount: number;
  nextCursor: string | null;
}

const ACTORS = ['alice@example.com', 'bob@example.com', 'kargo-controller'];
const ACTIONS = ['sync', 'update', 'promote', 'delete'];
const TYPES = ['argocd_application', 'kargo_promotion', 'member'];

let org: TestOrg;
let instances: { argo: string; kargo: string };
let seeded: (EventInput & { id: string })[];
const base = Date.now() - 6 * 3_600_000;

function at(minute: number): string {
  return new Date(base + minute * 60_000).toISOString();
}

/** The events this file ingests, plus the organization's own management events, newest first. */
async function everything(): Promise<Item[]> {
  const page = await json<Page>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=1000`, { token: org.ownerKey }),
    200,
  );
  return page.items;
}

beforeAll(async () => {
  org = await createOrg('query');
  instances = { argo: (await createInstance(org, 'argocd', 'prod')).id, kargo: (await createInstance(org, 'kargo', 'prod')).id };
  seeded = Array.from({ length: 150 }, (_, index) => {
    const actor = ACTORS[index % 3] as string;
    const type = TYPES[index % TYPES.length] as string;
    return {
      ...makeEvent(index, {
        id: `q-${String(index).padStart(4, '0')}`,
        // Several events share a timestamp: keyset paging must break ties by id.
        timestamp: at(Math.floor(index / 3)),
        action: ACTIONS[index % 4] as string,
        actor: { type: actor.includes('@') ? 'user' : 'service', id: actor },
        instanceId: type === 'member' ? null : type === 'kargo_promotion' ? instances.kargo : instances.argo,
        object: { type, id: { name: `obj-${index % 10}` } },
        details: { message: index % 25 === 0 ? `Rolled back guestbook to rev${index}` : `Routine change ${index}` },
      }),
      id: `q-${String(index).padStart(4, '0')}`,
    };
  });
  await json(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items: seeded } }),
    201,
  );
});

const query = (params: string) => call(`/api/v1/organizations/${org.orgId}/audit-logs?${params}`, { token: org.ownerKey });

describe('audit-log queries', () => {
  it('lists newest first, 50 by default, with the total count', async () => {
    const page = await json<Page>(await query(''), 200);
    const all = await everything();
    expect(page.items).toHaveLength(50);
    expect(page.totalCount).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(150);
    const keys = all.map((item) => `${item.timestamp}|${item.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('says where events older than the hot retention period live', async () => {
    const response = await query('filters.limit=1');
    expect(response.headers.get('x-hot-retention-days')).toBe('90');
    expect(response.headers.get('link')).toBe(`</api/v1/organizations/${org.orgId}/audit-logs-archives>; rel="archives"`);
  });

  const cases: [string, string, (event: EventInput & { id: string }) => boolean][] = [
    ['actorId', 'filters.actorId=bob%40example.com', (event) => event.actor.id === 'bob@example.com'],
    [
      'actorId (repeated)',
      'filters.actorId=bob%40example.com&filters.actorId=kargo-controller',
      (event) => event.actor.id !== 'alice@example.com',
    ],
    ['actorType', 'filters.actorType=service', (event) => event.actor.type === 'service'],
    ['action', 'filters.action=promote', (event) => event.action === 'promote'],
    ['action (repeated)', 'filters.action=promote&filters.action=delete', (event) => ['promote', 'delete'].includes(event.action)],
    ['objectType', 'filters.objectType=kargo_promotion', (event) => event.object.type === 'kargo_promotion'],
    ['objectName', 'filters.objectName=obj-3', (event) => event.object.id.name === 'obj-3'],
    [
      'time range',
      `filters.startTime=${encodeURIComponent(at(10))}&filters.endTime=${encodeURIComponent(at(20))}`,
      (event) => event.timestamp >= at(10) && event.timestamp < at(20),
    ],
    [
      'free text',
      'filters.q=guestbook%20rolled',
      (event) => event.details?.message?.toString().startsWith('Rolled back guestbook') ?? false,
    ],
    ['free text prefix', 'filters.q=rou', (event) => event.details?.message?.toString().startsWith('Routine') ?? false],
    [
      'combined',
      'filters.actorType=user&filters.action=sync&filters.objectType=argocd_application',
      (event) => event.actor.type === 'user' && event.action === 'sync' && event.object.type === 'argocd_application',
    ],
  ];

  for (const [name, params, predicate] of cases) {
    it(`filters by ${name}`, async () => {
      const page = await json<Page>(await query(`${params}&filters.limit=1000`), 200);
      const expected = seeded
        .filter(predicate)
        .map((event) => event.id)
        .sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(page.items.map((item) => item.id).sort()).toEqual(expected);
      expect(page.totalCount).toBe(expected.length);
    });
  }

  it('filters by instance (parameter and instance route agree)', async () => {
    const byParam = await json<Page>(await query(`filters.instanceId=${instances.kargo}&filters.limit=1000`), 200);
    const byRoute = await json<Page>(
      await call(`/api/v1/organizations/${org.orgId}/instances/${instances.kargo}/audit-logs?filters.limit=1000`, { token: org.ownerKey }),
      200,
    );
    const expected = seeded.filter((event) => event.instanceId === instances.kargo).map((event) => event.id);
    expect(byParam.items.map((item) => item.id)).toEqual(byRoute.items.map((item) => item.id));
    expect(
      byParam.items
        .map((item) => item.id)
        .filter((id) => id.startsWith('q-'))
        .sort(),
    ).toEqual(expected.sort());
    // Plus the management event that created the instance.
    expect(byRoute.items.every((item) => item.instanceId === instances.kargo)).toBe(true);
  });

  it('treats FTS syntax in free text as plain words', async () => {
    for (const text of ['NEAR(ab cd)', 'ab* OR cd', '-xy', '"ab cd"', 'ab^cd']) {
      const response = await query(`filters.q=${encodeURIComponent(text)}`);
      expect(response.status, text).toBe(200);
    }
  });

  it('answers search-grammar mistakes with 400 problems naming the token', async () => {
    const cases: [string, string][] = [
      ['"unclosed', '"unclosed'],
      ['object_name:obj', 'object_name:obj'],
      ['after:2026-13-01', 'after:2026-13-01'],
      ['guestbook actor:', 'actor:'],
      ['source:elsewhere', 'source:elsewhere'],
      ['-after:2026-01-01', '-after:2026-01-01'],
      ['action:sync,,update', 'action:sync,,update'],
      // Nothing searchable (punctuation only) is refused like a one-letter word, never read as no search.
      ['!!!', '!!!'],
      ['(', '('],
      ['***', '***'],
      ['guestbook !!!', '!!!'],
      ['actor:alice@example.com -', '-'],
      ['"!!!"', '"!!!"'],
    ];
    for (const [text, token] of cases) {
      const problem = await expectProblem(await query(`filters.q=${encodeURIComponent(text)}`), 400);
      expect(problem.type, text).toBe('urn:problem:audit-logs:invalid-query');
      expect(problem.detail, text).toContain(`"${token}"`);
    }
  });

  it('bounds free text: words of one character and more than 8 words are 400 problems naming the cause', async () => {
    const short = await expectProblem(await query(`filters.q=${encodeURIComponent('guestbook a')}`), 400);
    expect(short.type).toBe('urn:problem:audit-logs:invalid-query');
    expect(short.detail).toContain('"a"');
    const many = await expectProblem(await query(`filters.q=${encodeURIComponent('aa bb cc dd ee ff gg hh ii')}`), 400);
    expect(many.detail).toContain('9 words');
  });

  it('pages by offset over every event exactly once', async () => {
    const all = await everything();
    const seen: string[] = [];
    for (let offset = 0; offset < all.length; offset += 17) {
      const page = await json<Page>(await query(`filters.limit=17&filters.offset=${offset}`), 200);
      seen.push(...page.items.map((item) => item.id));
    }
    expect(seen).toEqual(all.map((item) => item.id));
  });

  it('pages by cursor over every event exactly once, also while new events arrive', async () => {
    const all = await everything();
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const page: Page = await json<Page>(await query(`filters.limit=13${cursor ? `&cursor=${cursor}` : ''}`), 200);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      // Concurrent writers: a newer event, and one with a timestamp inside the already-read range.
      round += 1;
      const fresh = [
        makeEvent(round, { id: `late-new-${round}`, timestamp: new Date().toISOString() }),
        makeEvent(round, { id: `late-old-${round}`, timestamp: at(-5) }),
      ];
      await json(
        await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: org.ownerKey, body: { items: fresh } }),
        201,
      );
    } while (cursor);
    const original = seen.filter((id) => !id.startsWith('late-'));
    expect(original).toEqual(all.map((item) => item.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('pages by offset without gaps or repeats under inserts when endTime is pinned', async () => {
    const pinned = new Date().toISOString();
    const all = await json<Page>(await query(`filters.limit=1000&filters.endTime=${encodeURIComponent(pinned)}`), 200);
    const seen: string[] = [];
    for (let offset = 0; offset < all.totalCount; offset += 40) {
      const page = await json<Page>(
        await query(`filters.limit=40&filters.offset=${offset}&filters.endTime=${encodeURIComponent(pinned)}`),
        200,
      );
      seen.push(...page.items.map((item) => item.id));
      await json(
        await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
          method: 'POST',
          token: org.ownerKey,
          body: makeEvent(offset, { id: `pinned-${offset}`, timestamp: new Date(Date.now() + 1000).toISOString() }),
        }),
        201,
      );
    }
    expect(seen).toEqual(all.items.map((item) => item.id));
  });

  it('rejects bad parameters with 400 problems', async () => {
    for (const params of [
      'filters.limit=0',
      'filters.limit=1001',
      'filters.limit=abc',
      'filters.offset=-1',
      'filters.startTime=yesterday',
      'cursor=not-a-cursor',
      `cursor=${btoa('[1,2,3]')}`,
      // The (timestamp, id) cursors of before the compact storage: refused, not misread.
      `cursor=${btoa('[1,"01J00000000000000000000000"]')}`,
    ]) {
      await expectProblem(await query(params), 400);
    }
    const first = await json<Page>(await query('filters.limit=2'), 200);
    await expectProblem(await query(`cursor=${first.nextCursor}&filters.offset=5`), 400);
  });

  it('keeps reads to owners: admin, member and ingest keys get 403', async () => {
    for (const role of ['admin', 'member', 'ingest'] as const) {
      const key = await createKey(org, role);
      for (const path of [`/audit-logs`, `/instances/${instances.argo}/audit-logs`, `/csv-audit-logs`]) {
        const response = await call(`/api/v1/organizations/${org.orgId}${path}`, { token: key.secret });
        const text = await response.clone().text();
        await expectProblem(response, 403);
        expect(text).not.toContain('q-0001');
      }
    }
  });

  it("gives another organization's owner 403/404 and no data", async () => {
    const outsider = await createOrg('query-outsider');
    const ownInstance = await createInstance(outsider, 'argocd');
    for (const path of [
      `/api/v1/organizations/${org.orgId}/audit-logs`,
      `/api/v1/organizations/${org.orgId}/instances/${instances.argo}/audit-logs`,
      `/api/v1/organizations/${org.orgId}/csv-audit-logs`,
    ]) {
      const response = await call(path, { token: outsider.ownerKey });
      const text = await response.clone().text();
      await expectProblem(response, 403);
      expect(text).not.toContain('q-0001');
    }
    // Their own organization's route with our instance id (or ours with theirs) is a 404.
    await expectProblem(
      await call(`/api/v1/organizations/${outsider.orgId}/instances/${instances.argo}/audit-logs`, { token: outsider.ownerKey }),
      404,
    );
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/instances/${ownInstance.id}/audit-logs`, { token: org.ownerKey }),
      404,
    );
    const theirs = await json<Page>(
      await call(`/api/v1/organizations/${outsider.orgId}/audit-logs?filters.instanceId=${instances.argo}`, { token: outsider.ownerKey }),
      200,
    );
    expect(theirs.items).toEqual([]);
  });

  it("keeps a deleted instance's history readable", async () => {
    const doomed = await createInstance(org, 'argocd', 'doomed');
    await json(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        token: org.ownerKey,
        body: makeEvent(1, { id: 'doomed-1', instanceId: doomed.id }),
      }),
      201,
    );
    expect(
      (await call(`/api/v1/organizations/${org.orgId}/instances/${doomed.id}`, { method: 'DELETE', token: org.ownerKey })).status,
    ).toBe(204);
    const page = await json<Page>(
      await call(`/api/v1/organizations/${org.orgId}/instances/${doomed.id}/audit-logs`, { token: org.ownerKey }),
      200,
    );
    expect(page.items.map((item) => item.id)).toContain('doomed-1');
  });
});
