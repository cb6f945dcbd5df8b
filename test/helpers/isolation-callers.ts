/**
 * The isolation matrix's callers (isolation-matrix.test.ts): every kind of principal and every
 * transport of a key, each with a credential for the target organization's routes, and the
 * target's data those routes act on (an instance of each type, an archive, a webhook with a
 * delivery), next to another organization on the other shard.
 */
import { env } from 'cloudflare:workers';
import { ADMIN, call, createInstance, createKey, createOrg, json, type TestOrg, unique } from './api.ts';
import { build, ingestAll, lastWeek, weekEvents } from './archives.ts';
import { createWebhook, hook } from './webhooks.ts';

/** Who calls. Every one of them is tried on every route. */
const PRINCIPALS = [
  'none',
  'malformed',
  'revoked',
  'expiredKey',
  'expiredSession',
  'otherOwner',
  'owner',
  'admin',
  'auditor',
  'member',
  'ingest',
  'boundIngest',
] as const;
export type Who = (typeof PRINCIPALS)[number];

/**
 * The same keys through the other transports, and a key whose user lost the role it needs: each
 * must be answered exactly like the caller it is derived from (one key, one authority).
 */
export const DERIVED = {
  ownerBasic: 'owner',
  ownerSession: 'owner',
  otherOwnerBasic: 'otherOwner',
  otherOwnerSession: 'otherOwner',
  demotedIngest: 'revoked',
} as const satisfies Record<string, Who>;
export type Caller = Who | keyof typeof DERIVED;
export const CALLERS: Caller[] = [...PRINCIPALS, ...(Object.keys(DERIVED) as (keyof typeof DERIVED)[])];

export interface Fixture {
  org: TestOrg;
  other: TestOrg;
  instanceId: string;
  kargoInstanceId: string;
  downloadPath: string;
  webhook: { id: string; name: string; url: string; secret: string; deliveryId: string };
}

type Credential = { token?: string; headers?: Record<string, string> };
/** Each caller's credential, made fresh per request where using it could end it (sessions). */
export type Credentials = Record<Caller, () => Promise<Credential>>;

const basicAuth = (keyId: string, secret: string): Credential => ({ headers: { authorization: `Basic ${btoa(`${keyId}:${secret}`)}` } });
async function freshSession(secret: string): Promise<Credential> {
  const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: secret } });
  const cookie = /audit_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0] ?? '';
  await response.body?.cancel();
  return { headers: { cookie, origin: 'http://localhost:8787' } };
}

/** The target organization's data and each caller's credential. */
export async function matrixSetup(): Promise<{ fixture: Fixture; credentials: Credentials }> {
  const fixture = await targetFixture();
  return { fixture, credentials: await callerCredentials(fixture) };
}

async function targetFixture(): Promise<Fixture> {
  // On different shards: every answer to the other organization's owner (and every read of the
  // target's data) must come from the target's own shard, whatever the caller's shard is.
  const target = await createOrg('matrix-target', { shard: 'SHARD_1' });
  const other = await createOrg('matrix-other', { shard: 'SHARD_2' });
  const instance = await createInstance(target, 'argocd');
  const week = lastWeek();
  await ingestAll(target, weekEvents(week.startMs, 5, 'matrix'));
  await build(target.orgId, week.startDate);
  const archives = await json<{ archives: { presignedUrl: string }[] }>(
    await call(`/api/v1/organizations/${target.orgId}/audit-logs-archives`, { token: target.ownerKey }),
    200,
  );
  const link = new URL(archives.archives[0]?.presignedUrl ?? '');
  const kargo = await createInstance(target, 'kargo');
  const receiver = await hook();
  const webhook = await createWebhook(target, { url: receiver.url, secret: receiver.secret, filter: { events: [] } });
  const ping = await json<{ history: { id: string } }>(
    await call(`/api/v1/orgs/${target.orgId}/notification-configs/${webhook.id}/ping`, { method: 'POST', token: target.ownerKey }),
    200,
  );
  return {
    org: target,
    other,
    instanceId: instance.id,
    kargoInstanceId: kargo.id,
    downloadPath: link.pathname + link.search,
    webhook: { id: webhook.id, name: webhook.name, url: receiver.url, secret: receiver.secret, deliveryId: ping.history.id },
  };
}

async function callerCredentials({ org: target, other, instanceId }: Fixture): Promise<Credentials> {
  const revoked = await createKey(target, 'admin');
  await call(`/api/v1/organizations/${target.orgId}/api-keys/${revoked.id}`, { method: 'DELETE', token: target.ownerKey });
  const expired = await createKey(target, 'admin', { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
  await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?')
    .bind(Date.now() - 1000, expired.id)
    .run();
  const sessionKey = await createKey(target, 'admin');
  const signIn = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: sessionKey.secret } });
  const cookie = /audit_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0] ?? '';
  await env.DB.prepare('UPDATE sessions SET expires_at = ? WHERE api_key_id = ?')
    .bind(Date.now() - 1, sessionKey.id)
    .run();

  // An ingest key whose user (the owner of a third organization) was then demoted to member.
  const demotedOrg = await createOrg('matrix-demoted');
  const demotedKey = await createKey(demotedOrg, 'ingest');
  const demotedUser = await json<{ user: { id: string } }>(await call('/api/v1/me', { token: demotedOrg.ownerKey }), 200);
  await call(`/api/v1/organizations/${demotedOrg.orgId}/members`, {
    method: 'POST',
    token: ADMIN,
    body: { email: `${unique('co')}@example.com`, name: 'Co', role: 'owner' },
  });
  await call(`/api/v1/organizations/${demotedOrg.orgId}/members/${demotedUser.user.id}`, {
    method: 'PATCH',
    token: ADMIN,
    body: { role: 'member' },
  });

  const fixed = (credential: Credential) => async () => credential;
  const keys = {
    admin: (await createKey(target, 'admin')).secret,
    auditor: (await createKey(target, 'auditor')).secret,
    member: (await createKey(target, 'member')).secret,
    ingest: (await createKey(target, 'ingest')).secret,
    boundIngest: (await createKey(target, 'ingest', { instanceId })).secret,
  };
  return {
    none: fixed({}),
    malformed: fixed({ headers: { authorization: 'Basic b3duZXI6cGFzc3dvcmQ=' } }),
    revoked: fixed({ token: revoked.secret }),
    expiredKey: fixed({ token: expired.secret }),
    expiredSession: fixed({ headers: { cookie, origin: 'http://localhost:8787' } }),
    otherOwner: fixed({ token: other.ownerKey }),
    owner: fixed({ token: target.ownerKey }),
    admin: fixed({ token: keys.admin }),
    auditor: fixed({ token: keys.auditor }),
    member: fixed({ token: keys.member }),
    ingest: fixed({ token: keys.ingest }),
    boundIngest: fixed({ token: keys.boundIngest }),
    ownerBasic: fixed(basicAuth(target.ownerKeyId, target.ownerKey)),
    ownerSession: () => freshSession(target.ownerKey),
    otherOwnerBasic: fixed(basicAuth(other.ownerKeyId, other.ownerKey)),
    otherOwnerSession: () => freshSession(other.ownerKey),
    demotedIngest: fixed({ token: demotedKey.secret }),
  };
}
