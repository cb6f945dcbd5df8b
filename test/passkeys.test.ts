import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, createOrg, expectProblem, json, unique } from './helpers/api.ts';
import { b64url, softwareAuthenticator } from './helpers/authenticator.ts';
import { acceptWithPasskey, browser, cookieFrom, invite, passkeySignIn } from './helpers/people.ts';
import { DATABASES } from './helpers/shards.ts';

interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

async function newPerson(role = 'member') {
  const org = await createOrg('passkeys');
  const email = `${unique('pk-person')}@example.com`;
  const { token } = await invite(org, email, role);
  return { org, email, ...(await acceptWithPasskey(token)) };
}

async function myPasskeys(session: string): Promise<Passkey[]> {
  return (await json<{ passkeys: Passkey[] }>(await call('/api/v1/me/passkeys', { headers: browser(session) }), 200)).passkeys;
}

describe('POST /auth/passkey/options', () => {
  it('offers a discoverable, user-verified sign-in for this site: no allowCredentials, a fresh challenge, an HttpOnly cookie', async () => {
    const response = await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() });
    const options = await json<{ challenge: string; rpId: string; userVerification: string; allowCredentials?: unknown[] }>(response, 200);
    expect(options.rpId).toBe('localhost');
    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('audit_ceremony='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Max-Age=300/i);
  });
});

describe('POST /auth/passkey', () => {
  it('signs a person in with their passkey: a new passkey session with their memberships, sign_in recorded', async () => {
    const person = await newPerson('auditor');
    const { response, session } = await passkeySignIn(person.authenticator);
    const body = await json<{ user: { email: string }; organizations: { id: string; role: string }[] }>(response, 201);
    expect(body.user.email).toBe(person.email);
    expect(body.organizations).toEqual([expect.objectContaining({ id: person.org.orgId, role: 'auditor' })]);
    expect(session).not.toBeNull();
    expect(session).not.toBe(person.session);
    const sessions = await json<{ sessions: { method: string; current: boolean }[] }>(
      await call('/api/v1/me/sessions', { headers: browser(session) }),
      200,
    );
    expect(sessions.sessions.find((s) => s.current)?.method).toBe('passkey');
    const events = await json<{ items: { action: string; actor: { id: string }; object: { type: string } }[] }>(
      await call(`/api/v1/organizations/${person.org.orgId}/audit-logs?filters.action=sign_in`, { token: person.org.ownerKey }),
      200,
    );
    expect(events.items.filter((event) => event.actor.id === person.email && event.object.type === 'session').length).toBe(2);
    const [stored] = (
      await env.DB.prepare('SELECT counter, last_used_at FROM passkeys WHERE credential_id = ?')
        .bind(person.authenticator.credentialId)
        .all()
    ).results;
    expect(stored).toMatchObject({ counter: 1 });
    expect(stored?.last_used_at).not.toBeNull();
  });

  it('refuses a replayed challenge: the same assertion twice is a 401 the second time', async () => {
    const person = await newPerson();
    const first = await passkeySignIn(person.authenticator);
    expect(first.response.status).toBe(201);
    const replay = await call('/api/v1/auth/passkey', {
      method: 'POST',
      headers: browser(first.ceremony),
      body: { response: first.assertion },
    });
    await expectProblem(replay, 401);
    expect(cookieFrom(replay, 'audit_session')).toBeNull();
  });

  it("refuses without the ceremony cookie, with another browser's ceremony, and with an expired challenge", async () => {
    const person = await newPerson();
    // No cookie: the challenge is not this browser's.
    const noCookie = await passkeySignIn(person.authenticator, (assertion) => ({ response: assertion }));
    expect(noCookie.response.status).toBe(201);
    const options = await json<Record<string, unknown>>(
      await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() }),
      200,
    );
    const assertion = await person.authenticator.assert(options);
    await expectProblem(await call('/api/v1/auth/passkey', { method: 'POST', headers: browser(), body: { response: assertion } }), 401);
    // Another browser's ceremony: its challenge is not the one signed.
    const other = await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() });
    await other.body?.cancel();
    const otherCookie = cookieFrom(other, 'audit_ceremony');
    await expectProblem(
      await call('/api/v1/auth/passkey', { method: 'POST', headers: browser(otherCookie), body: { response: assertion } }),
      401,
    );
    // Expired: the row is there but past its 5 minutes.
    const stale = await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() });
    const staleCookie = cookieFrom(stale, 'audit_ceremony');
    const staleOptions = await json<Record<string, unknown>>(stale, 200);
    await env.DB.prepare("UPDATE sign_in_challenges SET expires_at = 1 WHERE purpose = 'passkey_sign_in' AND payload LIKE ?")
      .bind(`%${String(staleOptions.challenge)}%`)
      .run();
    const late = await person.authenticator.assert(staleOptions);
    await expectProblem(
      await call('/api/v1/auth/passkey', { method: 'POST', headers: browser(staleCookie), body: { response: late } }),
      401,
    );
  });

  it('refuses a registration ceremony used for a sign-in (a challenge from another ceremony)', async () => {
    const person = await newPerson();
    const registration = await call('/api/v1/me/passkeys/options', { method: 'POST', headers: browser(person.session) });
    const registerCookie = cookieFrom(registration, 'audit_ceremony');
    const options = await json<{ challenge: string }>(registration, 200);
    const assertion = await person.authenticator.assert({ challenge: options.challenge, rpId: 'localhost' });
    await expectProblem(
      await call('/api/v1/auth/passkey', { method: 'POST', headers: browser(registerCookie), body: { response: assertion } }),
      401,
    );
  });

  it('refuses an unknown credential, a bad signature, another user handle, another origin, and a counter that went back', async () => {
    const person = await newPerson();
    const stranger = await softwareAuthenticator();
    stranger.userHandle = b64url(new TextEncoder().encode('usr_nobody'));
    await expectProblem((await passkeySignIn(stranger)).response, 401);
    const badSignature = await passkeySignIn(person.authenticator, (a) => {
      const response = a.response as Record<string, string>;
      const signature = response.signature ?? '';
      return { response: { ...a, response: { ...response, signature: `${signature.slice(0, -4)}AAAA` } } };
    });
    await expectProblem(badSignature.response, 401);
    const otherHandle = await passkeySignIn(person.authenticator, (a) => ({
      response: { ...a, response: { ...(a.response as object), userHandle: b64url(new TextEncoder().encode('usr_other')) } },
    }));
    await expectProblem(otherHandle.response, 401);
    const options = await json<Record<string, unknown>>(
      await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() }),
      200,
    );
    const phished = await person.authenticator.assert(options, 'https://evil.example');
    await expectProblem(await call('/api/v1/auth/passkey', { method: 'POST', headers: browser(), body: { response: phished } }), 401);
    // A cloned authenticator: the stored counter is ahead of what it signs.
    await env.DB.prepare('UPDATE passkeys SET counter = 1000 WHERE credential_id = ?').bind(person.authenticator.credentialId).run();
    await expectProblem((await passkeySignIn(person.authenticator)).response, 401);
    const sessions = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ? AND method = 'passkey'")
      .bind(person.body.user.id)
      .first<{ n: number }>();
    expect(sessions?.n).toBe(1);
  });

  it('answers garbage responses with 4xx, never 500: NUL, lone surrogates, deep nesting, wrong types, huge fields', async () => {
    const person = await newPerson();
    const garbage: unknown[] = [
      { response: { id: 'a\u0000b', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'x' }, clientExtensionResults: {} } },
      {
        response: { id: '\ud800', rawId: '\udfff', type: 'public-key', response: { clientDataJSON: '\ud800' }, clientExtensionResults: {} },
      },
      { response: JSON.parse(`${'{"a":'.repeat(200)}1${'}'.repeat(200)}`) },
      { response: 'string' },
      {
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'A'.repeat(9000) },
          clientExtensionResults: {},
        },
      },
      {
        response: {
          id: person.authenticator.credentialId,
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'bm90IGpzb24', authenticatorData: 'AAAA', signature: 'AAAA' },
          clientExtensionResults: {},
        },
      },
    ];
    for (const body of garbage) {
      const options = await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() });
      await options.body?.cancel();
      const response = await call('/api/v1/auth/passkey', {
        method: 'POST',
        headers: browser(cookieFrom(options, 'audit_ceremony')),
        body,
      });
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(cookieFrom(response, 'audit_session')).toBeNull();
      await response.body?.cancel();
    }
  });

  it('a removed member signs in but reaches nothing of the organization; a demoted one has the lower role at once', async () => {
    const person = await newPerson('admin');
    const { session } = await passkeySignIn(person.authenticator);
    await call(`/api/v1/organizations/${person.org.orgId}/members/${person.body.user.id}`, {
      method: 'PATCH',
      token: person.org.ownerKey,
      body: { role: 'member' },
    });
    const me = await json<{ organizations: { id: string; role: string }[] }>(await call('/api/v1/me', { headers: browser(session) }), 200);
    expect(me.organizations).toEqual([expect.objectContaining({ id: person.org.orgId, role: 'member' })]);
    await expectProblem(
      await call(`/api/v1/organizations/${person.org.orgId}/members`, {
        method: 'POST',
        headers: browser(session),
        body: { email: `${unique('x')}@example.com`, name: 'X', role: 'member' },
      }),
      403,
    );
    const removed = await call(`/api/v1/organizations/${person.org.orgId}/members/${person.body.user.id}`, {
      method: 'DELETE',
      token: person.org.ownerKey,
    });
    expect(removed.status).toBe(204);
    await expectProblem(await call('/api/v1/me', { headers: browser(session) }), 401);
    const before = await env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?')
      .bind(person.body.user.id)
      .first<{ n: number }>();
    const refused = await passkeySignIn(person.authenticator);
    const problem = await expectProblem(refused.response, 401);
    // Says why (the passkey is fine, the memberships are gone) and leaves no session row behind.
    expect(problem.detail).toMatch(/not a member of any organization/);
    expect(refused.session).toBeNull();
    const afterwards = await env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?')
      .bind(person.body.user.id)
      .first<{ n: number }>();
    expect(afterwards?.n).toBe(before?.n);
  });
});

interface FailedEvent {
  action: string;
  actor: { type: string; id: string };
  object: { type: string; id: { name: string } };
  details: { method?: string; reason?: string; message?: string };
}

async function failedSignIns(org: { orgId: string; ownerKey: string }, email: string): Promise<FailedEvent[]> {
  const events = await json<{ items: FailedEvent[] }>(
    await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.action=sign_in_failed&filters.limit=100`, { token: org.ownerKey }),
    200,
  );
  return events.items.filter((event) => event.actor.id === email);
}

describe('sign_in_failed for passkeys', () => {
  it("records why a known passkey's sign-in failed in every organization of its person, with the passkey as credential", async () => {
    const person = await newPerson('member');
    const second = await createOrg('passkeys-second', { shard: 'SHARD_2' });
    const { token } = await invite(second, person.email, 'auditor');
    const joined = await call(`/api/v1/invitations/${token}/accept`, { method: 'POST', headers: browser(person.session), body: {} });
    expect(joined.status).toBe(201);
    await joined.body?.cancel();

    const badSignature = await passkeySignIn(person.authenticator, (a) => {
      const response = a.response as Record<string, string>;
      return { response: { ...a, response: { ...response, signature: `${(response.signature ?? '').slice(0, -4)}AAAA` } } };
    });
    await expectProblem(badSignature.response, 401);
    const otherHandle = await passkeySignIn(person.authenticator, (a) => ({
      response: { ...a, response: { ...(a.response as object), userHandle: b64url(new TextEncoder().encode('usr_other')) } },
    }));
    await expectProblem(otherHandle.response, 401);
    await env.DB.prepare('UPDATE passkeys SET counter = 1000 WHERE credential_id = ?').bind(person.authenticator.credentialId).run();
    const cloned = await passkeySignIn(person.authenticator);
    await expectProblem(cloned.response, 401);

    const [passkey] = await myPasskeys(person.session);
    for (const org of [person.org, second]) {
      const events = await failedSignIns(org, person.email);
      expect(events.map((event) => event.details.reason).sort()).toEqual(
        [
          'the assertion did not verify (signature, origin, challenge or user verification)',
          'the passkey answered for another person (user handle mismatch)',
          'the signature counter did not grow (a cloned or replayed passkey?)',
        ].sort(),
      );
      for (const event of events) {
        expect(event).toMatchObject({ actor: { type: 'user', id: person.email }, object: { type: 'session', id: { name: person.email } } });
        expect(event.details.method).toBe('passkey');
        expect(event.details.message).toMatch(/^Sign-in with a passkey failed: /);
      }
    }
    const credentials = await Promise.all(
      Object.values(DATABASES).map((db) =>
        db
          .prepare("SELECT credential_type AS t, credential_id AS i FROM audit_events WHERE actor_id = ? AND action = 'sign_in_failed'")
          .bind(person.email)
          .all<{ t: string; i: string }>(),
      ),
    );
    const rows = credentials.flatMap((result) => result.results);
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((row) => `${row.t}:${row.i}`))).toEqual(new Set([`passkey:${passkey?.id}`]));
    // No session was started by any of them: only the one the invitation started.
    const sessions = await env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?')
      .bind(person.body.user.id)
      .first<{ n: number }>();
    expect(sessions?.n).toBe(1);
  });

  it('records nothing for an unknown credential or a missing ceremony (no organization is known)', async () => {
    const person = await newPerson('member');
    const stranger = await softwareAuthenticator();
    stranger.userHandle = b64url(new TextEncoder().encode(person.body.user.id));
    await expectProblem((await passkeySignIn(stranger)).response, 401);
    const options = await json<Record<string, unknown>>(
      await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() }),
      200,
    );
    const noCeremony = await call('/api/v1/auth/passkey', {
      method: 'POST',
      headers: browser(),
      body: { response: await person.authenticator.assert(options) },
    });
    await expectProblem(noCeremony, 401);
    expect(await failedSignIns(person.org, person.email)).toEqual([]);
  });
});

describe('/me/passkeys', () => {
  it("lists, adds and deletes the caller's passkeys; deleting one does not end the session", async () => {
    const person = await newPerson();
    const [first] = await myPasskeys(person.session);
    expect(first).toMatchObject({ name: 'Passkey', lastUsedAt: null });
    const second = await softwareAuthenticator();
    const optionsResponse = await call('/api/v1/me/passkeys/options', { method: 'POST', headers: browser(person.session) });
    const ceremony = cookieFrom(optionsResponse, 'audit_ceremony');
    const options = await json<{ user: { id: string }; excludeCredentials: { id: string }[] }>(optionsResponse, 200);
    expect(options.excludeCredentials.map((c) => c.id)).toEqual([person.authenticator.credentialId]);
    expect(options.user.id).toBe(b64url(new TextEncoder().encode(person.body.user.id)));
    const added = await json<Passkey>(
      await call('/api/v1/me/passkeys', {
        method: 'POST',
        headers: browser(person.session, ceremony),
        body: { response: await second.register(options), name: 'Laptop' },
      }),
      201,
    );
    expect(added.name).toBe('Laptop');
    expect((await myPasskeys(person.session)).map((p) => p.id).sort()).toEqual([first?.id, added.id].sort());
    expect((await passkeySignIn(second)).response.status).toBe(201);
    const deleted = await call(`/api/v1/me/passkeys/${first?.id}`, { method: 'DELETE', headers: browser(person.session) });
    expect(deleted.status).toBe(204);
    expect((await myPasskeys(person.session)).map((p) => p.id)).toEqual([added.id]);
    await expectProblem((await passkeySignIn(person.authenticator)).response, 401);
  });

  it("answers another person's passkey id with 404 and leaves it", async () => {
    const alice = await newPerson();
    const bob = await newPerson();
    const [bobs] = await myPasskeys(bob.session);
    await expectProblem(await call(`/api/v1/me/passkeys/${bobs?.id}`, { method: 'DELETE', headers: browser(alice.session) }), 404);
    expect(await myPasskeys(bob.session)).toHaveLength(1);
  });

  it('refuses API keys and API-key sessions (403), and anonymous callers (401)', async () => {
    const org = await createOrg('passkeys-keys');
    await expectProblem(await call('/api/v1/me/passkeys', { token: org.ownerKey }), 403);
    await expectProblem(await call('/api/v1/me/passkeys/options', { method: 'POST', token: org.ownerKey }), 403);
    const signIn = await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: org.ownerKey } });
    const keySession = cookieFrom(signIn, 'audit_session');
    await signIn.body?.cancel();
    await expectProblem(await call('/api/v1/me/passkeys', { headers: browser(keySession) }), 403);
    await expectProblem(await call('/api/v1/me/passkeys'), 401);
  });

  it("refuses a registration finished with another person's ceremony", async () => {
    const alice = await newPerson();
    const bob = await newPerson();
    const optionsResponse = await call('/api/v1/me/passkeys/options', { method: 'POST', headers: browser(bob.session) });
    const bobsCeremony = cookieFrom(optionsResponse, 'audit_ceremony');
    const options = await json<Record<string, unknown>>(optionsResponse, 200);
    const device = await softwareAuthenticator();
    const response = await call('/api/v1/me/passkeys', {
      method: 'POST',
      headers: browser(alice.session, bobsCeremony),
      body: { response: await device.register(options) },
    });
    await expectProblem(response, 400);
    expect(await myPasskeys(alice.session)).toHaveLength(1);
    expect(await myPasskeys(bob.session)).toHaveLength(1);
  });
});
