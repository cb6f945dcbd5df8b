import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../worker/db/client.ts';
import { purgeEndedSignIns } from '../worker/services/access/index.ts';
import { ADMIN, call, createKey, createOrg, expectProblem, json } from './helpers/api.ts';

interface Session {
  id: string;
  method: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

const ORIGIN = 'http://localhost:8787';
const HOUR = 3_600_000;

async function signIn(apiKey: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey }, headers });
  expect(response.status).toBe(201);
  const match = /audit_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '');
  if (!match?.[1]) throw new Error('no session cookie');
  return `audit_session=${match[1]}`;
}

async function list(cookie: string): Promise<Session[]> {
  return (await json<{ sessions: Session[] }>(await call('/api/v1/me/sessions', { headers: { cookie } }), 200)).sessions;
}

const asSession = (cookie: string) => ({ cookie, origin: ORIGIN });

async function currentId(cookie: string): Promise<string> {
  const current = (await list(cookie)).find((session) => session.current);
  if (!current) throw new Error('no current session');
  return current.id;
}

describe('GET /me/sessions', () => {
  it('lists how each session started, its user agent and address, and which one is the caller', async () => {
    const org = await createOrg('sessions-list');
    const laptop = await signIn(org.ownerKey, { 'user-agent': 'Laptop/1.0', 'cf-connecting-ip': '203.0.113.7' });
    const phone = await signIn(org.ownerKey, { 'user-agent': 'Phone/2.0', 'cf-connecting-ip': '2001:db8::1' });
    const sessions = await list(laptop);
    expect(sessions).toHaveLength(2);
    const byAgent = new Map(sessions.map((session) => [session.userAgent, session]));
    expect(byAgent.get('Laptop/1.0')).toMatchObject({ method: 'api_key', ip: '203.0.113.7', current: true });
    expect(byAgent.get('Phone/2.0')).toMatchObject({ method: 'api_key', ip: '2001:db8::1', current: false });
    for (const session of sessions) {
      expect(session.id).toMatch(/^ses_[0-9A-Z]{26}$/);
      expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
    }
    // The id is public, never the token or its hash.
    const rows = await env.DB.prepare('SELECT token_hash FROM sessions WHERE id = ?').bind(byAgent.get('Phone/2.0')?.id).all();
    expect(rows.results).toHaveLength(1);
    expect(JSON.stringify(sessions)).not.toContain(String(rows.results[0]?.token_hash));
    expect((await list(phone)).find((session) => session.current)?.userAgent).toBe('Phone/2.0');
  });

  it('starts a new session, with a new id and token, at every sign-in', async () => {
    const org = await createOrg('sessions-new');
    const first = await signIn(org.ownerKey);
    const second = await signIn(org.ownerKey);
    expect(second).not.toBe(first);
    expect(await currentId(second)).not.toBe(await currentId(first));
  });

  it("lists a personal key's user's sessions too, none of them current; the admin token has none (403)", async () => {
    const org = await createOrg('sessions-key');
    const cookie = await signIn(org.ownerKey);
    const sessions = (await json<{ sessions: Session[] }>(await call('/api/v1/me/sessions', { token: org.ownerKey }), 200)).sessions;
    expect(sessions.map((session) => session.current)).toEqual([false]);
    expect(sessions[0]?.id).toBe(await currentId(cookie));
    await expectProblem(await call('/api/v1/me/sessions', { token: ADMIN }), 403);
    await expectProblem(await call('/api/v1/me/sessions'), 401);
  });
});

describe('ingest keys', () => {
  it("cannot see or end their owner's sessions: they only write events (403)", async () => {
    const org = await createOrg('sessions-ingest');
    const ingestKey = await createKey(org, 'ingest');
    const cookie = await signIn(org.ownerKey);
    await expectProblem(await call('/api/v1/me/sessions', { token: ingestKey.secret }), 403);
    await expectProblem(await call('/api/v1/me/sessions', { method: 'DELETE', token: ingestKey.secret }), 403);
    await expectProblem(await call(`/api/v1/me/sessions/${await currentId(cookie)}`, { method: 'DELETE', token: ingestKey.secret }), 403);
    expect((await call('/api/v1/me', { headers: { cookie } })).status).toBe(200);
  });
});

describe('the session list query', () => {
  it("finds a person's sessions through indexes, never a scan of every key or session", async () => {
    const plan = await env.DB.prepare(
      'EXPLAIN QUERY PLAN SELECT * FROM sessions WHERE api_key_id IN (SELECT id FROM api_keys WHERE user_id = ?) AND expires_at > ?',
    )
      .bind('usr_x', 0)
      .all<{ detail: string }>();
    const details = plan.results.map((row) => row.detail).join('\n');
    expect(details).toMatch(/api_keys_user/);
    expect(details).toMatch(/sessions_api_key/);
    expect(details).not.toMatch(/SCAN (api_keys|sessions)\b/);
  });
});

describe('ending sessions', () => {
  it('ends one session at once: its cookie is a 401 on the next request', async () => {
    const org = await createOrg('sessions-end');
    const keep = await signIn(org.ownerKey);
    const lost = await signIn(org.ownerKey);
    const lostId = await currentId(lost);
    expect((await call(`/api/v1/me/sessions/${lostId}`, { method: 'DELETE', headers: asSession(keep) })).status).toBe(204);
    await expectProblem(await call('/api/v1/me', { headers: { cookie: lost } }), 401);
    expect((await call('/api/v1/me', { headers: { cookie: keep } })).status).toBe(200);
    expect((await list(keep)).map((session) => session.id)).not.toContain(lostId);
    // Ended already: a 404 like any unknown id.
    await expectProblem(await call(`/api/v1/me/sessions/${lostId}`, { method: 'DELETE', headers: asSession(keep) }), 404);
  });

  it('ending the current session clears its cookie', async () => {
    const org = await createOrg('sessions-self');
    const cookie = await signIn(org.ownerKey);
    const response = await call(`/api/v1/me/sessions/${await currentId(cookie)}`, { method: 'DELETE', headers: asSession(cookie) });
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toMatch(/audit_session=;/);
    await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
  });

  it('ends every other session and keeps the current one', async () => {
    const org = await createOrg('sessions-others');
    const here = await signIn(org.ownerKey);
    const there = [await signIn(org.ownerKey), await signIn(org.ownerKey)];
    const other = await createOrg('sessions-others-bystander');
    const bystander = await signIn(other.ownerKey);
    expect((await call('/api/v1/me/sessions', { method: 'DELETE', headers: asSession(here) })).status).toBe(204);
    expect((await call('/api/v1/me', { headers: { cookie: here } })).status).toBe(200);
    for (const cookie of there) await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
    expect((await list(here)).map((session) => session.current)).toEqual([true]);
    // Another person's sessions are not the caller's to end.
    expect((await call('/api/v1/me', { headers: { cookie: bystander } })).status).toBe(200);
  });

  it("another person's session id is a 404, and that session keeps working", async () => {
    const mine = await createOrg('sessions-mine');
    const theirs = await createOrg('sessions-theirs');
    const me = await signIn(mine.ownerKey);
    const them = await signIn(theirs.ownerKey);
    const theirId = await currentId(them);
    const unknown = await expectProblem(
      await call('/api/v1/me/sessions/ses_01JDX6Q8Z3V4K2M9R7T5W1Y0AB', { method: 'DELETE', headers: asSession(me) }),
      404,
    );
    const foreign = await expectProblem(await call(`/api/v1/me/sessions/${theirId}`, { method: 'DELETE', headers: asSession(me) }), 404);
    expect(foreign.detail).toBe(unknown.detail);
    await expectProblem(await call(`/api/v1/me/sessions/${theirId}`, { method: 'DELETE', token: mine.ownerKey }), 404);
    expect((await list(me)).map((session) => session.id)).not.toContain(theirId);
    expect((await call('/api/v1/me', { headers: { cookie: them } })).status).toBe(200);
  });

  it('a personal key ends every session of its user', async () => {
    const org = await createOrg('sessions-key-end');
    const member = await createKey(org, 'admin');
    const cookie = await signIn(org.ownerKey);
    expect((await call('/api/v1/me/sessions', { method: 'DELETE', token: member.secret })).status).toBe(204);
    await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
  });
});

describe('timeouts', () => {
  it('ends a session idle for 12 hours, and refreshes last use at most once a minute', async () => {
    const org = await createOrg('sessions-idle');
    const cookie = await signIn(org.ownerKey);
    const id = await currentId(cookie);
    const lastUsed = async () =>
      (await env.DB.prepare('SELECT last_used_at FROM sessions WHERE id = ?').bind(id).first<number>('last_used_at')) ?? 0;
    const signedInAt = await lastUsed();
    expect((await call('/api/v1/me', { headers: { cookie } })).status).toBe(200);
    expect(await lastUsed()).toBe(signedInAt); // within the minute: no write
    // Time travel: used 11 hours ago is still alive, and the request moves last use to now.
    await env.DB.prepare('UPDATE sessions SET last_used_at = ? WHERE id = ?')
      .bind(Date.now() - 11 * HOUR, id)
      .run();
    expect((await call('/api/v1/me', { headers: { cookie } })).status).toBe(200);
    expect(await lastUsed()).toBeGreaterThan(Date.now() - 60_000);
    await env.DB.prepare('UPDATE sessions SET last_used_at = ? WHERE id = ?')
      .bind(Date.now() - 12 * HOUR - 1000, id)
      .run();
    await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
    const byKey = (await json<{ sessions: Session[] }>(await call('/api/v1/me/sessions', { token: org.ownerKey }), 200)).sessions;
    expect(byKey).toEqual([]);
  });

  it('ends a session 7 days after it started, however busy', async () => {
    const org = await createOrg('sessions-absolute');
    const cookie = await signIn(org.ownerKey);
    const id = await currentId(cookie);
    const row = await env.DB.prepare('SELECT created_at, expires_at FROM sessions WHERE id = ?')
      .bind(id)
      .first<{ created_at: number; expires_at: number }>();
    expect((row?.expires_at ?? 0) - (row?.created_at ?? 0)).toBe(7 * 24 * HOUR);
    // Started 7 days ago and used a minute ago: the absolute lifetime still ends it.
    await env.DB.prepare('UPDATE sessions SET created_at = ?, expires_at = ?, last_used_at = ? WHERE id = ?')
      .bind(Date.now() - 7 * 24 * HOUR, Date.now() - 1, Date.now() - 60_000, id)
      .run();
    await expectProblem(await call('/api/v1/me', { headers: { cookie } }), 401);
  });

  it('sets a cookie that lasts as long as the session may, HttpOnly and SameSite=Lax', async () => {
    const org = await createOrg('sessions-cookie');
    const response = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: org.ownerKey } });
    const header = response.headers.get('set-cookie') ?? '';
    expect(header).toMatch(/Max-Age=604800/);
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/SameSite=Lax/i);
  });
});

describe('the daily purge of ended sign-ins', () => {
  it('forgets ended sessions and expired ceremonies, and keeps what still works', async () => {
    const org = await createOrg('sessions-purge');
    const [idle, expired, live] = [await signIn(org.ownerKey), await signIn(org.ownerKey), await signIn(org.ownerKey)];
    const [idleId, expiredId, liveId] = [await currentId(idle), await currentId(expired), await currentId(live)];
    const now = Date.now();
    await env.DB.prepare('UPDATE sessions SET last_used_at = ? WHERE id = ?')
      .bind(now - 13 * HOUR, idleId)
      .run();
    await env.DB.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?')
      .bind(now - 1, expiredId)
      .run();
    const handle = `purge-${crypto.randomUUID()}`;
    await env.DB.prepare(
      `INSERT INTO sign_in_challenges (handle_hash, purpose, payload, created_at, expires_at) VALUES (?, 'passkey_sign_in', '{}', ?, ?), (?, 'passkey_sign_in', '{}', ?, ?)`,
    )
      .bind(`${handle}-old`, now - 10 * 60_000, now - 5 * 60_000, `${handle}-new`, now, now + 5 * 60_000)
      .run();

    const purged = await purgeEndedSignIns(database(env.DB), now);
    expect(purged.sessions).toBeGreaterThanOrEqual(2);
    expect(purged.challenges).toBeGreaterThanOrEqual(1);
    const ids = (
      await env.DB.prepare('SELECT id FROM sessions WHERE id IN (?, ?, ?)').bind(idleId, expiredId, liveId).all<{ id: string }>()
    ).results;
    expect(ids.map((row) => row.id)).toEqual([liveId]);
    const orphans = await env.DB.prepare(
      'SELECT count(*) AS n FROM session_keys WHERE token_hash NOT IN (SELECT token_hash FROM sessions)',
    ).first<{
      n: number;
    }>();
    expect(orphans?.n).toBe(0);
    const challenges = (
      await env.DB.prepare('SELECT handle_hash FROM sign_in_challenges WHERE handle_hash LIKE ?')
        .bind(`${handle}%`)
        .all<{ handle_hash: string }>()
    ).results;
    expect(challenges.map((row) => row.handle_hash)).toEqual([`${handle}-new`]);
    expect((await call('/api/v1/me', { headers: { cookie: live } })).status).toBe(200);
  });
});
