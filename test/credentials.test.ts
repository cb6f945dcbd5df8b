import { describe, expect, it } from 'vitest';
import type { IngestResult } from '../worker/contract/index.ts';
import { ADMIN, call, createKey, createOrg, expectProblem, json, unique } from './helpers/api.ts';
import { makeEvent } from './helpers/events.ts';

const ORIGIN = 'http://localhost:8787';
const basic = (keyId: string, secret: string) => `Basic ${btoa(`${keyId}:${secret}`)}`;

async function sessionCookie(secret: string): Promise<string> {
  const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: secret } });
  expect(response.status).toBe(201);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** One request as each transport sends it: the same key as Bearer, as Basic id:secret, and as a session. */
type Transport = 'bearer' | 'basic' | 'session';
async function asTransport(transport: Transport, key: { id: string; secret: string }): Promise<Record<string, string>> {
  if (transport === 'bearer') return { authorization: `Bearer ${key.secret}` };
  if (transport === 'basic') return { authorization: basic(key.id, key.secret) };
  return { cookie: await sessionCookie(key.secret), origin: ORIGIN };
}

describe('one key, one authority, whatever the transport', () => {
  it('Bearer, Basic and a session give a key exactly its own organization, with the same answers on every route', async () => {
    const home = await createOrg('transport-home');
    // The same user owns a second organization: their home key must not act there.
    const second = await json<{ organization: { id: string }; ownerApiKey: string }>(
      await call('/api/v1/organizations', {
        method: 'POST',
        token: ADMIN,
        body: { name: unique('second'), owner: { email: home.ownerEmail, name: 'Owner' } },
      }),
      201,
    );
    const owner = { id: home.ownerKeyId, secret: home.ownerKey };
    const member = await createKey(home, 'member');
    const cases: { name: string; path: string; owner: number; member: number }[] = [
      { name: 'own audit log', path: `/api/v1/organizations/${home.orgId}/audit-logs`, owner: 200, member: 403 },
      { name: 'own stream', path: `/api/v1/organizations/${home.orgId}/audit-log-stream`, owner: 200, member: 403 },
      { name: 'own members', path: `/api/v1/organizations/${home.orgId}/members`, owner: 200, member: 200 },
      {
        name: "second organization's audit log",
        path: `/api/v1/organizations/${second.organization.id}/audit-logs`,
        owner: 403,
        member: 403,
      },
      { name: "second organization's members", path: `/api/v1/organizations/${second.organization.id}/members`, owner: 403, member: 403 },
    ];
    for (const transport of ['bearer', 'basic', 'session'] as const) {
      for (const [who, key] of [
        ['owner', owner],
        ['member', member],
      ] as const) {
        const headers = await asTransport(transport, key);
        for (const route of cases) {
          const response = await call(route.path, { headers });
          expect(response.status, `${transport} ${who}: ${route.name}`).toBe(route[who]);
          await response.body?.cancel();
        }
        const me = await json<{ organizations: { id: string }[] }>(await call('/api/v1/me', { headers }), 200);
        expect(
          me.organizations.map((org) => org.id),
          `${transport} ${who}: /me`,
        ).toEqual([home.orgId]);
      }
    }
  });

  it('refuses Basic credentials whose id is not the secret key, or that are malformed', async () => {
    const org = await createOrg('basic');
    const other = await createKey(org, 'member');
    for (const authorization of [
      basic(other.id, org.ownerKey),
      basic(org.ownerKeyId, 'alk_wrong'),
      `Basic ${btoa(org.ownerKey)}`,
      'Basic %%%',
      `Basic ${btoa(`${org.ownerKeyId}:`)}`,
    ]) {
      await expectProblem(await call('/api/v1/me', { headers: { authorization } }), 401);
    }
    expect((await call('/api/v1/me', { headers: { authorization: basic(org.ownerKeyId, org.ownerKey) } })).status).toBe(200);
  });

  it('stops ingest keys at once when their user is demoted below a role that may create them', async () => {
    const org = await createOrg('demoted');
    // Keys act for their creator: this ingest key acts for the organization's first owner.
    const ingestKey = await createKey(org, 'ingest');
    const send = () =>
      call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: ingestKey.secret, body: makeEvent(0) });
    expect((await send()).status).toBe(201);
    const me = await json<{ user: { id: string } }>(await call('/api/v1/me', { token: org.ownerKey }), 200);
    const setRole = async (role: string) =>
      json(await call(`/api/v1/organizations/${org.orgId}/members/${me.user.id}`, { method: 'PATCH', token: ADMIN, body: { role } }), 200);
    // Another owner first, so the first owner is not the last one.
    await json(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: ADMIN,
        body: { email: `${unique('co')}@example.com`, name: 'Co', role: 'owner' },
      }),
      201,
    );
    await setRole('member');
    const refused = await expectProblem(await send(), 401);
    expect(refused.detail).toMatch(/no longer holds a role/);
    // Made an admin again, the key works again: it was never revoked, only beyond its user's reach.
    await setRole('admin');
    expect((await send()).status).toBe(201);
  });

  it('clears a stale session cookie on every 401 and authenticates before validating the body', async () => {
    const org = await createOrg('stale');
    const member = await createKey(org, 'member');
    const cookie = await sessionCookie(member.secret);
    await call(`/api/v1/organizations/${org.orgId}/api-keys/${member.id}`, { method: 'DELETE', token: org.ownerKey });
    for (const [path, method, body] of [
      ['/api/v1/me', 'GET', undefined],
      [`/api/v1/organizations/${org.orgId}/audit-logs`, 'GET', undefined],
      [`/api/v1/organizations/${org.orgId}/audit-logs`, 'POST', { not: 'an event' }],
    ] as const) {
      const response = await call(path, { method, body, headers: { cookie, origin: ORIGIN } });
      expect(response.headers.get('set-cookie'), `${method} ${path}`).toMatch(/^audit_session=;.*Max-Age=0/);
      await expectProblem(response, 401);
    }
    // Anonymous bad bodies are 401s, not validation answers about a body the caller may not send.
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', body: { bad: true } }), 401);
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/members`, { method: 'POST', body: { role: 'nope' } }), 401);
    await expectProblem(await call('/api/v1/organizations', { method: 'POST', body: {} }), 401);
    // A caller without the role gets 403 before validation too.
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/members`, {
        method: 'POST',
        token: (await createKey(org, 'member')).secret,
        body: {},
      }),
      403,
    );
  });
});

describe('provenance', () => {
  it('marks ingested events with the sending key, and platform events as the service own', async () => {
    const org = await createOrg('provenance');
    const ingestKey = await createKey(org, 'ingest');
    const sent = await json<IngestResult>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, {
        method: 'POST',
        headers: { authorization: basic(ingestKey.id, ingestKey.secret) },
        body: makeEvent(0, {
          actor: { type: 'system', id: 'platform-admin' },
          action: 'delete',
          object: { type: 'api_key', id: { name: 'Owner key' } },
        }),
      }),
      201,
    );
    const page = await json<{ items: { id: string; source: string; sourceKeyId: string | null; action: string; contentHash: string }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=100`, { token: org.ownerKey }),
      200,
    );
    const forged = page.items.find((item) => item.id === sent.ids[0]);
    expect(forged).toMatchObject({ source: 'ingest', sourceKeyId: ingestKey.id, credential: { type: 'api_key', id: ingestKey.id } });
    const platform = page.items.filter((item) => item.id !== sent.ids[0]);
    expect(platform.length).toBeGreaterThanOrEqual(4);
    expect(platform.every((item) => item.source === 'platform' && item.sourceKeyId === null)).toBe(true);

    const onlyPlatform = await json<{ items: { source: string }[]; totalCount: number }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.source=platform`, { token: org.ownerKey }),
      200,
    );
    expect(onlyPlatform.totalCount).toBe(platform.length);
    const onlyIngest = await json<{ items: { id: string }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.source=ingest`, { token: org.ownerKey }),
      200,
    );
    expect(onlyIngest.items.map((item) => item.id)).toEqual(sent.ids);
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.source=client`, { token: org.ownerKey }), 400);

    const csv = await (
      await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?filters.source=ingest`, { token: org.ownerKey })
    ).text();
    const [header, row] = csv.split('\r\n');
    expect(header?.split(',').slice(-6)).toEqual(['source', 'sourceKeyId', 'credentialType', 'credentialId', 'sequence', 'contentHash']);
    const ingested = page.items.find((item) => item.source === 'ingest');
    expect(row?.split(',').slice(-6)).toEqual([
      'ingest',
      ingestKey.id,
      'api_key',
      ingestKey.id,
      String(page.items.length),
      ingested?.contentHash,
    ]);
    const ndjson = await (
      await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?format=ndjson&filters.source=ingest`, { token: org.ownerKey })
    ).text();
    expect(JSON.parse(ndjson.trim())).toMatchObject({
      source: 'ingest',
      sourceKeyId: ingestKey.id,
      credential: { type: 'api_key', id: ingestKey.id },
    });
  });

  it('records events sent with the platform admin token as ingested with no key', async () => {
    const org = await createOrg('provenance-admin');
    const sent = await json<IngestResult>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token: ADMIN, body: makeEvent(0) }),
      201,
    );
    const page = await json<{ items: { id: string; source: string; sourceKeyId: string | null }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.source=ingest`, { token: org.ownerKey }),
      200,
    );
    expect(page.items).toEqual([
      expect.objectContaining({ id: sent.ids[0], source: 'ingest', sourceKeyId: null, credential: { type: 'admin_token', id: 'admin' } }),
    ]);
  });
});
