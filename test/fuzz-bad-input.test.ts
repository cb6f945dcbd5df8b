import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, call, createInstance, createKey, createOrg, json, type TestOrg, unique } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';
import { createWebhook, hook, webhookPath } from './helpers/webhooks.ts';

/**
 * Every class of bad input the API refuses, on every route it can reach (test/fuzz.test.ts and
 * test/webhooks-fuzz.test.ts fuzz the values of each surface; this file fuzzes the classes across
 * surfaces). JSON bodies: bytes that are not UTF-8, numbers a double cannot hold, lone surrogates,
 * unknown fields, prototype keys, deep nesting (each a 422) and NUL (allowed, never a 5xx), on
 * every route with a body; integer parameters in any form but decimal digits (a 400) on every
 * route with one. Always: never a 5xx, every rejection problem+json, and a rejected request
 * changes nothing in the organization (rows, settings, webhooks, events, sessions).
 */
const RUNS = { bodies: 2400, integers: 600 };
const stats = { cases: 0, serverErrors: 0, rejected: 0 };

let org: TestOrg;
let argoId: string;
let kargoId: string;
let memberId: string;
let signInKey: string;
let config: { id: string; name: string };
let receiver: { url: string; secret: string };

interface BodyRoute {
  name: string;
  method: 'POST' | 'PATCH' | 'PUT';
  path: () => string;
  /** Bearer token; null for sign-in, which carries its key in the body. */
  token: () => string | null;
  /** A valid body, fresh for each case (names that must be unique are). */
  body: () => Record<string, unknown>;
  /** Object paths whose keys are the client's own (an event's details): no unknown-field case there. */
  freeForm?: string[];
}

/** Every route of the API with a JSON body. A new one (a log-stream subscription, …) joins here. */
const ROUTES: BodyRoute[] = [
  {
    name: 'create organization',
    method: 'POST',
    path: () => '/api/v1/organizations',
    token: () => ADMIN,
    body: () => ({ name: unique('org'), owner: { email: `${unique('o')}@example.com`, name: 'Owner' } }),
  },
  {
    name: 'create instance',
    method: 'POST',
    path: () => `/api/v1/organizations/${org.orgId}/instances`,
    token: () => org.ownerKey,
    body: () => ({ type: 'argocd', name: unique('i') }),
  },
  {
    name: 'add member',
    method: 'POST',
    path: () => `/api/v1/organizations/${org.orgId}/members`,
    token: () => org.ownerKey,
    body: () => ({ email: `${unique('m')}@example.com`, name: 'Member', role: 'auditor' }),
  },
  {
    name: 'change role',
    method: 'PATCH',
    path: () => `/api/v1/organizations/${org.orgId}/members/${memberId}`,
    token: () => org.ownerKey,
    body: () => ({ role: 'auditor' }),
  },
  {
    name: 'create API key',
    method: 'POST',
    path: () => `/api/v1/organizations/${org.orgId}/api-keys`,
    token: () => org.ownerKey,
    body: () => ({ name: 'key', role: 'ingest', instanceId: argoId }),
  },
  {
    name: 'ingest',
    method: 'POST',
    path: () => `/api/v1/organizations/${org.orgId}/audit-logs`,
    token: () => org.ownerKey,
    body: () => ({ items: [{ ...makeEvent(1), id: unique('e') }] }),
    freeForm: ['items/0/details'],
  },
  {
    name: 'settings',
    method: 'PATCH',
    path: () => `/api/v1/organizations/${org.orgId}/audit-log-settings`,
    token: () => org.ownerKey,
    body: () => ({ hotRetentionDays: 30, archiveRetentionDays: 400 }),
  },
  { name: 'sign in', method: 'POST', path: () => '/api/v1/auth/session', token: () => null, body: () => ({ apiKey: signInKey }) },
  {
    name: 'Argo CD extension',
    method: 'POST',
    path: () => '/ext-api/v1/argocd/extensions/audit-records',
    token: () => org.ownerKey,
    body: () => ({ instanceId: argoId, filters: { actorId: ['alice@example.com'], limit: 5, offset: 0 } }),
  },
  {
    name: 'Kargo extension',
    method: 'POST',
    path: () => '/ext-api/v1/kargo/extensions/audit-records',
    token: () => org.ownerKey,
    body: () => ({ instanceId: kargoId, projectName: 'storefront', filters: { limit: 5 } }),
  },
  {
    name: 'create webhook',
    method: 'POST',
    path: () => webhookPath(org),
    token: () => org.ownerKey,
    body: () => ({ name: unique('w'), webhook: { url: receiver.url, secret: receiver.secret, filter: { events: [] } } }),
  },
  {
    name: 'replace webhook',
    method: 'PUT',
    path: () => `${webhookPath(org)}/${config.id}`,
    token: () => org.ownerKey,
    body: () => ({
      name: config.name,
      webhook: { url: receiver.url, active: false, filter: { events: [], argocdInstanceNames: ['prod'] } },
    }),
  },
];

/** Everything a request could change, for the organization and globally (sessions, users, organizations). */
async function snapshot(): Promise<unknown> {
  const main = await env.DB.prepare(
    `SELECT
       (SELECT count(*) FROM organizations) AS organizations,
       (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM sessions) AS sessions,
       (SELECT count(*) FROM pending_events) AS pending,
       (SELECT count(*) FROM instances WHERE organization_id = ?1) AS instances,
       (SELECT group_concat(user_id || ':' || role) FROM memberships WHERE organization_id = ?1) AS memberships,
       (SELECT count(*) || ':' || count(revoked_at) FROM api_keys WHERE organization_id = ?1) AS apiKeys,
       (SELECT hot_retention_days || ':' || archive_retention_days FROM organization_settings WHERE organization_id = ?1) AS settings,
       (SELECT group_concat(name || url || active || filter_json || secret_ciphertext || coalesce(deleted_at, ''))
          FROM notification_configs WHERE organization_id = ?1) AS configs`,
  )
    .bind(org.orgId)
    .first();
  const events = await (await eventsD1(org.orgId))
    .prepare('SELECT count(*) AS n FROM audit_events_by_organization WHERE organization_id = ?')
    .bind(org.orgId)
    .first<{ n: number }>();
  return { ...main, events: events?.n };
}

async function check(response: Response): Promise<{ status: number; text: string }> {
  stats.cases += 1;
  const text = await response.text();
  if (response.status >= 500) stats.serverErrors += 1;
  expect(response.status, text).toBeLessThan(500);
  if (response.status >= 400) {
    stats.rejected += 1;
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = JSON.parse(text) as { type: string; status: number; detail: string; requestId: string };
    expect(problem.status).toBe(response.status);
    expect(problem.type).toMatch(/^urn:problem:audit-logs:/);
    expect(problem.detail.length).toBeGreaterThan(0);
    expect(problem.requestId.length).toBeGreaterThan(0);
  }
  return { status: response.status, text };
}

type Path = string[];
/** Paths of every leaf (string, number, boolean, null) and every object in a JSON value. */
function walk(value: unknown, path: Path = [], found: { leaves: Path[]; objects: Path[] } = { leaves: [], objects: [] }) {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, [...path, String(index)], found);
  } else if (typeof value === 'object' && value !== null) {
    found.objects.push(path);
    for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key], found);
  } else found.leaves.push(path);
  return found;
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let target: Record<string, unknown> = root;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1) as string] = value;
}
const getAt = (root: unknown, path: Path): unknown =>
  path.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], root);

/** Marks where raw text (or bytes) goes into the serialised body. */
const MARK = 'zzMARKzz';
const encoder = new TextEncoder();
/** JSON text with `raw` in place of the (quoted) mark; bytes are spliced in as they are. */
function splice(body: unknown, raw: string | number[]): string | Uint8Array {
  const [before = '', after = ''] = JSON.stringify(body).split(`"${MARK}"`);
  if (typeof raw === 'string') return before + raw + after;
  return new Uint8Array([...encoder.encode(before), ...raw, ...encoder.encode(after)]);
}

const INVALID_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];
const OVERFLOW = ['1e400', '-1e400', '1E+309', '2e308', '-1.8e308', `1${'0'.repeat(400)}`];
const UNDERFLOW = ['1e-400', '-1e-400', '2.4e-324', `0.${'0'.repeat(400)}1`];

type BodyClass = 'utf8' | 'overflow' | 'underflow' | 'surrogate' | 'unknown' | 'prototype' | 'deep' | 'nul';
/** What each class must answer: exactly this status, any 4xx ('4xx'), or anything but a 5xx (null). */
const EXPECTED: Record<BodyClass, { status: number | '4xx' | null; says?: RegExp }> = {
  utf8: { status: 422, says: /not valid UTF-8/ },
  overflow: { status: 422, says: /too large for a double/ },
  underflow: { status: 422, says: /stored as 0/ },
  surrogate: { status: 422, says: /lone UTF-16 surrogate/ },
  unknown: { status: '4xx' },
  prototype: { status: '4xx' },
  deep: { status: '4xx' },
  nul: { status: null },
};

/** A valid body of the route with one bad input of the class put in (pick chooses where). */
function mutate(route: BodyRoute, kind: BodyClass, pick: number, choice: number, key: string): string | Uint8Array {
  const body = route.body();
  const { leaves, objects } = walk(body);
  const leaf = leaves[pick % leaves.length] as Path;
  const strict = objects.filter((path) => !route.freeForm?.some((free) => path.join('/').startsWith(free)));
  const object = strict[pick % strict.length] as Path;
  const choose = <T>(list: T[]) => list[choice % list.length] as T;
  switch (kind) {
    case 'utf8':
      setAt(body, leaf, MARK);
      return splice(body, [0x22, 0x61, ...choose(INVALID_UTF8), 0x62, 0x22]);
    case 'overflow':
      setAt(body, leaf, MARK);
      return splice(body, choose(OVERFLOW));
    case 'underflow':
      setAt(body, leaf, MARK);
      return splice(body, choose(UNDERFLOW));
    case 'surrogate':
      setAt(body, leaf, choose(['a\ud800', '\udc00b', 'x\udbff\udbffy']));
      return JSON.stringify(body);
    case 'unknown': {
      const target = object.length === 0 ? body : (getAt(body, object) as Record<string, unknown>);
      target[key in target ? `${key}-extra` : key] = choose(['x', 1, true, null, {}, []]);
      return JSON.stringify(body);
    }
    case 'prototype':
      setAt(body, [...object, MARK], 1);
      return JSON.stringify(body).replace(`"${MARK}"`, JSON.stringify(choose(['__proto__', 'constructor', 'prototype'])));
    case 'deep': {
      const depth = choose([33, 200, 5000]);
      setAt(body, leaf, MARK);
      return splice(body, `${'['.repeat(depth)}${']'.repeat(depth)}`);
    }
    case 'nul': {
      const current = getAt(body, leaf);
      setAt(body, leaf, typeof current === 'string' ? `${current}\u0000` : '\u0000');
      return JSON.stringify(body);
    }
  }
}

beforeAll(async () => {
  org = await createOrg('fuzz-classes');
  argoId = (await createInstance(org, 'argocd')).id;
  kargoId = (await createInstance(org, 'kargo')).id;
  signInKey = (await createKey(org, 'auditor')).secret;
  const member = await json<{ userId: string }>(
    await call(`/api/v1/organizations/${org.orgId}/members`, {
      method: 'POST',
      token: org.ownerKey,
      body: { email: `${unique('member')}@example.com`, name: 'Member', role: 'auditor' },
    }),
    201,
  );
  memberId = member.userId;
  receiver = await hook();
  // No event types and then inactive: nothing is delivered, so nothing changes behind the snapshots' back.
  const created = await createWebhook(org, { url: receiver.url, secret: receiver.secret, filter: { events: [] } });
  config = { id: created.id, name: created.name };
  await json(
    await call(`${webhookPath(org)}/${config.id}`, {
      method: 'PUT',
      token: org.ownerKey,
      body: ROUTES.find((route) => route.name === 'replace webhook')?.body(),
    }),
    200,
  );
});

const send = (route: BodyRoute, body: string | Uint8Array) => call(route.path(), { method: route.method, token: route.token(), body });

describe('bad-input classes on every route', () => {
  it('every route takes its valid body (so each refusal below is the bad input, not the body)', async () => {
    for (const route of ROUTES) {
      const response = await send(route, JSON.stringify(route.body()));
      expect(response.status, `${route.name}: ${await response.text()}`).toBeLessThan(300);
    }
  });

  it('JSON bodies: every class refused as it must be on every route, never a 5xx, nothing changed', async () => {
    const classes = Object.keys(EXPECTED) as BodyClass[];
    const key = fc.oneof(
      fc.constantFrom('organizationId', 'role', 'admin', 'id', 'Name', 'sequence', 'extra'),
      fc.string({ minLength: 1, maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.constantFrom(...classes),
        fc.nat(),
        fc.nat(),
        key,
        async (route, kind, pick, choice, name) => {
          // Prototype keys are their own class; a snake_case name may be another spelling of a known field.
          if (['__proto__', 'constructor', 'prototype'].includes(name) || name.includes('_')) return;
          const body = mutate(route, kind, pick, choice, name);
          const before = await snapshot();
          const { status, text } = await check(await send(route, body));
          const expected = EXPECTED[kind];
          if (expected.status === '4xx') expect(Math.floor(status / 100), `${route.name} ${kind}: ${text.slice(0, 400)}`).toBe(4);
          else if (expected.status !== null) expect(status, `${route.name} ${kind}: ${text.slice(0, 400)}`).toBe(expected.status);
          if (expected.says) expect(text, `${route.name} ${kind}`).toMatch(expected.says);
          if (status >= 400) expect(await snapshot(), `${route.name} ${kind}: ${text.slice(0, 400)}`).toEqual(before);
        },
      ),
      { numRuns: RUNS.bodies },
    );
  }, 600_000);

  it('integer parameters: only decimal digits, on every route that takes one', async () => {
    const since = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const orgPath = `/api/v1/organizations/${org.orgId}`;
    const parameters: [string, string][] = [
      [`${orgPath}/audit-logs?`, 'filters.limit'],
      [`${orgPath}/audit-logs?`, 'filters.offset'],
      [`${orgPath}/instances/${argoId}/audit-logs?`, 'filters.limit'],
      [`${orgPath}/instances/${argoId}/audit-logs?`, 'filters.offset'],
      [`${orgPath}/csv-audit-logs?`, 'filters.limit'],
      [`${orgPath}/csv-audit-logs?`, 'filters.offset'],
      [`${orgPath}/audit-log-stream?`, 'afterSequence'],
      [`${orgPath}/audit-log-stream?`, 'limit'],
      [`${orgPath}/audit-logs-archives?`, 'filters.limit'],
      [`${orgPath}/audit-logs-archives?`, 'filters.offset'],
      [`${orgPath}/audit-logs-histogram?bucket=day&filters.startTime=${since}&`, 'step'],
      [`${webhookPath(org)}/${config.id}/delivery-history?`, 'limit'],
      [`${webhookPath(org)}/${config.id}/delivery-history?`, 'offset'],
    ];
    // Decimal digits are answered (the routes and values are right), every other spelling is a 400.
    for (const [path, name] of parameters) {
      const response = await call(`${path}${new URLSearchParams([[name, '2']])}`, { token: org.ownerKey });
      expect(response.status, `${path}${name}=2: ${await response.text()}`).toBe(200);
    }
    const spelled = fc.oneof(
      fc.constantFrom(
        '0x10',
        '0X1f',
        '0x',
        '1e3',
        '1E2',
        '10e-1',
        '1.0',
        '2.',
        '.5',
        '+5',
        ' 5',
        '5 ',
        '0b1',
        '0o7',
        'Infinity',
        '1_000',
        '５',
        '٥',
        '5n',
      ),
      fc
        .tuple(fc.nat(9999), fc.constantFrom('e', 'E', '.', 'x', ' ', '_', ',', '+', '-'))
        .map(([digits, mark]) => `${digits}${mark}${digits}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...parameters), spelled, async ([path, name], value) => {
        const { status, text } = await check(await call(`${path}${new URLSearchParams([[name, value]])}`, { token: org.ownerKey }));
        expect(status, `${name}=${JSON.stringify(value)}: ${text.slice(0, 400)}`).toBe(400);
      }),
      { numRuns: RUNS.integers },
    );
  }, 300_000);
});

afterAll(() => {
  console.log(`bad-input classes: ${stats.cases} cases, ${stats.rejected} rejected as problems, ${stats.serverErrors} server errors`);
  expect(stats.serverErrors).toBe(0);
});
