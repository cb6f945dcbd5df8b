import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, call, createKey, createOrg, expectProblem, json, unique } from './helpers/api.ts';
import { softwareAuthenticator } from './helpers/authenticator.ts';
import { acceptWithPasskey, browser, cookieFrom, invite, registrationCeremony } from './helpers/people.ts';

interface Invitation {
  id: string;
  email: string;
  role: string;
  expiresAt: string;
  createdAt: string;
}

const email = (label: string) => `${unique(label)}@example.com`;

async function pending(orgId: string, token: string): Promise<Invitation[]> {
  return (await json<{ invitations: Invitation[] }>(await call(`/api/v1/organizations/${orgId}/invitations`, { token }), 200)).invitations;
}

async function events(orgId: string, token: string, objectType: string) {
  const page = await json<{
    items: { action: string; actor: { id: string }; object: { id: { name: string } }; details: Record<string, unknown> }[];
  }>(await call(`/api/v1/organizations/${orgId}/audit-logs?filters.objectType=${objectType}&filters.limit=50`, { token }), 200);
  return page.items;
}

describe('POST/GET/DELETE /organizations/{orgId}/invitations', () => {
  it('invites with a one-time URL on the request origin, lists it without the token, records create and delete events', async () => {
    const org = await createOrg('inv');
    const invited = email('Dana');
    const created = await invite(org, `  ${invited.toUpperCase()} `, 'auditor');
    expect(created.invitation).toMatchObject({ email: invited.toLowerCase(), role: 'auditor' });
    expect(created.url).toMatch(/^http:\/\/localhost:8787\/invitations\/[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(created.invitation.expiresAt) - Date.parse(created.invitation.createdAt);
    expect(expires).toBe(7 * 24 * 3_600_000);
    const list = await pending(org.orgId, org.ownerKey);
    expect(list).toEqual([created.invitation]);
    expect(JSON.stringify(list)).not.toContain(created.token);
    const stored = await env.DB.prepare('SELECT token_hash FROM invitations WHERE id = ?')
      .bind(created.invitation.id)
      .first<{ token_hash: string }>();
    expect(stored?.token_hash).not.toContain(created.token);
    const revoked = await call(`/api/v1/organizations/${org.orgId}/invitations/${created.invitation.id}`, {
      method: 'DELETE',
      token: org.ownerKey,
    });
    expect(revoked.status).toBe(204);
    expect(await pending(org.orgId, org.ownerKey)).toEqual([]);
    await expectProblem(await call(`/api/v1/invitations/${created.token}`), 404);
    const recorded = await events(org.orgId, org.ownerKey, 'invitation');
    expect(recorded.map((event) => event.action).sort()).toEqual(['create', 'delete']);
    expect(recorded.every((event) => event.object.id.name === invited.toLowerCase())).toBe(true);
  });

  it('lets admins invite only roles they may grant; members and auditors may not invite', async () => {
    const org = await createOrg('inv-roles');
    const admin = await createKey(org, 'admin');
    await invite(org, email('by-admin'), 'admin', admin.secret);
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/invitations`, {
        method: 'POST',
        token: admin.secret,
        body: { email: email('o'), role: 'owner' },
      }),
      403,
    );
    for (const role of ['member', 'auditor', 'ingest'] as const) {
      const key = await createKey(org, role);
      await expectProblem(
        await call(`/api/v1/organizations/${org.orgId}/invitations`, {
          method: 'POST',
          token: key.secret,
          body: { email: email('m'), role: 'member' },
        }),
        403,
      );
      await expectProblem(await call(`/api/v1/organizations/${org.orgId}/invitations`, { token: key.secret }), 403);
    }
    const owners = await invite(org, email('owner'), 'owner');
    await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/invitations/${owners.invitation.id}`, { method: 'DELETE', token: admin.secret }),
      403,
    );
  });

  it('answers an existing member (any case) with 409 member-exists, and a look-alike email with 422', async () => {
    const org = await createOrg('inv-exists');
    const problem = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/invitations`, {
        method: 'POST',
        token: org.ownerKey,
        body: { email: org.ownerEmail.toUpperCase(), role: 'member' },
      }),
      409,
    );
    expect(problem.type).toBe('urn:problem:audit-logs:member-exists');
    // Cyrillic "а" and a fullwidth "ａ" for the latin a: another address, which the email rule refuses.
    for (const lookAlike of [org.ownerEmail.replace('o', '\u043e'), org.ownerEmail.replace('e', '\uff45'), `${org.ownerEmail}\u0000`]) {
      await expectProblem(
        await call(`/api/v1/organizations/${org.orgId}/invitations`, {
          method: 'POST',
          token: org.ownerKey,
          body: { email: lookAlike, role: 'member' },
        }),
        422,
      );
    }
  });

  it("answers another organization's invitation id with 404 and leaves it pending", async () => {
    const alpha = await createOrg('inv-alpha');
    const beta = await createOrg('inv-beta');
    const betas = await invite(beta, email('b'), 'member');
    await expectProblem(
      await call(`/api/v1/organizations/${alpha.orgId}/invitations/${betas.invitation.id}`, { method: 'DELETE', token: alpha.ownerKey }),
      404,
    );
    await expectProblem(await call(`/api/v1/organizations/${beta.orgId}/invitations`, { token: alpha.ownerKey }), 403);
    expect(await pending(beta.orgId, beta.ownerKey)).toHaveLength(1);
  });
});

describe('accepting an invitation', () => {
  it('shows the invitation, registers a passkey, joins with the role, starts a passkey session; accept and sign_in are events', async () => {
    const org = await createOrg('accept');
    const invited = email('erin');
    const { token, invitation } = await invite(org, invited, 'auditor');
    const preview = await json<Record<string, unknown>>(await call(`/api/v1/invitations/${token}`), 200);
    expect(preview).toMatchObject({ email: invited, role: 'auditor', enforceSso: false, organization: { id: org.orgId } });
    const { options } = await registrationCeremony(token);
    expect(options).toMatchObject({
      rp: { id: 'localhost' },
      user: { name: invited },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const person = await acceptWithPasskey(token);
    expect(person.body.user.email).toBe(invited);
    expect(person.body.organizations).toEqual([expect.objectContaining({ id: org.orgId, role: 'auditor' })]);
    const members = await json<{ members: { email: string; role: string }[] }>(
      await call(`/api/v1/organizations/${org.orgId}/members`, { token: org.ownerKey }),
      200,
    );
    expect(members.members).toContainEqual(expect.objectContaining({ email: invited, role: 'auditor' }));
    // Acting as themselves: an export is recorded under their own email.
    const read = await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=1`, { headers: browser(person.session) });
    expect(read.status).toBe(200);
    await read.body?.cancel();
    const recorded = await events(org.orgId, org.ownerKey, 'invitation');
    expect(recorded.find((event) => event.action === 'accept')).toMatchObject({
      actor: { id: invited },
      details: { invitationId: invitation.id },
    });
    const signIns = await events(org.orgId, org.ownerKey, 'session');
    expect(signIns.find((event) => event.action === 'sign_in')?.actor.id).toBe(invited);
    await expectProblem(await call(`/api/v1/invitations/${token}`), 404);
    expect(await pending(org.orgId, org.ownerKey)).toEqual([]);
  });

  it('works once: a second accept, with a fresh ceremony, is a 404 and adds no passkey', async () => {
    const org = await createOrg('accept-twice');
    const { token } = await invite(org, email('twice'), 'member');
    const first = await acceptWithPasskey(token);
    const again = await call(`/api/v1/invitations/${token}/passkey-options`, { method: 'POST', headers: browser() });
    await expectProblem(again, 404);
    const count = await env.DB.prepare('SELECT count(*) AS n FROM passkeys WHERE user_id = ?')
      .bind(first.body.user.id)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it('lets exactly one of two racing accepts through', async () => {
    const org = await createOrg('accept-race');
    const { token } = await invite(org, email('race'), 'member');
    const ceremonies = await Promise.all([registrationCeremony(token), registrationCeremony(token)]);
    const devices = await Promise.all([softwareAuthenticator(), softwareAuthenticator()]);
    const responses = await Promise.all(
      ceremonies.map(async ({ options, ceremony }, index) =>
        call(`/api/v1/invitations/${token}/accept`, {
          method: 'POST',
          headers: browser(ceremony),
          body: { response: await devices[index]?.register(options) },
        }),
      ),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([201, 404]);
    for (const response of responses) await response.body?.cancel();
    const [row] = (
      await env.DB.prepare('SELECT accepted_by FROM invitations WHERE token_hash IS NOT NULL AND organization_id = ?').bind(org.orgId).all()
    ).results;
    const count = await env.DB.prepare('SELECT count(*) AS n FROM passkeys WHERE user_id = ?')
      .bind(row?.accepted_by)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it('refuses expired and revoked links with the same 404', async () => {
    const org = await createOrg('accept-dead');
    const expired = await invite(org, email('expired'), 'member');
    await env.DB.prepare('UPDATE invitations SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, expired.invitation.id)
      .run();
    const revoked = await invite(org, email('revoked'), 'member');
    await call(`/api/v1/organizations/${org.orgId}/invitations/${revoked.invitation.id}`, { method: 'DELETE', token: org.ownerKey });
    const details = new Set<string>();
    for (const token of [expired.token, revoked.token, 'A'.repeat(43), 'nul\u0000']) {
      details.add((await expectProblem(await call(`/api/v1/invitations/${encodeURIComponent(token)}`), 404)).detail);
      await expectProblem(
        await call(`/api/v1/invitations/${encodeURIComponent(token)}/passkey-options`, { method: 'POST', headers: browser() }),
        404,
      );
    }
    expect(details.size).toBe(1);
  });

  it("binds a ceremony to its invitation: the options of org X's invitation do not accept org Y's", async () => {
    const x = await createOrg('accept-x');
    const y = await createOrg('accept-y');
    const invited = email('both');
    const forX = await invite(x, invited, 'member');
    const forY = await invite(y, invited, 'owner');
    const { options, ceremony } = await registrationCeremony(forX.token);
    const device = await softwareAuthenticator();
    const response = await call(`/api/v1/invitations/${forY.token}/accept`, {
      method: 'POST',
      headers: browser(ceremony),
      body: { response: await device.register(options) },
    });
    await expectProblem(response, 400);
    expect(await pending(y.orgId, y.ownerKey)).toHaveLength(1);
    const members = await json<{ members: { email: string }[] }>(
      await call(`/api/v1/organizations/${y.orgId}/members`, { token: y.ownerKey }),
      200,
    );
    expect(members.members.map((m) => m.email)).not.toContain(invited);
  });

  it('does not let a link add a passkey to an existing person: they accept signed in as themselves', async () => {
    const home = await createOrg('accept-home');
    const victim = email('victim');
    const first = await acceptWithPasskey((await invite(home, victim, 'owner')).token);
    const other = await createOrg('accept-other');
    const { token } = await invite(other, victim, 'member');
    await expectProblem(await call(`/api/v1/invitations/${token}/passkey-options`, { method: 'POST', headers: browser() }), 403);
    const device = await softwareAuthenticator();
    const stolen = await call(`/api/v1/invitations/${token}/accept`, {
      method: 'POST',
      headers: browser(),
      body: { response: await device.register({ challenge: 'AAAA', rp: { id: 'localhost' }, user: { id: 'x' } }) },
    });
    await expectProblem(stolen, 403);
    // The person themselves, signed in, accepts without a new passkey.
    const accepted = await call(`/api/v1/invitations/${token}/accept`, { method: 'POST', headers: browser(first.session), body: {} });
    expect(accepted.status).toBe(201);
    await accepted.body?.cancel();
    const me = await json<{ organizations: { id: string; role: string }[] }>(
      await call('/api/v1/me', { headers: browser(first.session) }),
      200,
    );
    expect(me.organizations.map((o) => o.id).sort()).toEqual([home.orgId, other.orgId].sort());
  });

  it('refuses a passkey accept where the organization enforces SSO (403 sso-required), and says so in the preview', async () => {
    const org = await createOrg('accept-sso');
    const { token } = await invite(org, email('sso'), 'member');
    const now = Date.now();
    await env.DB.prepare(
      'INSERT INTO sso_configurations (organization_id, enforce_sso, oidc_json, created_at, updated_at) VALUES (?, 1, ?, ?, ?)',
    )
      .bind(org.orgId, '{}', now, now)
      .run();
    expect((await json<{ enforceSso: boolean }>(await call(`/api/v1/invitations/${token}`), 200)).enforceSso).toBe(true);
    const problem = await expectProblem(
      await call(`/api/v1/invitations/${token}/passkey-options`, { method: 'POST', headers: browser() }),
      403,
    );
    expect(problem.type).toBe('urn:problem:audit-logs:sso-required');
    await expectProblem(await call(`/api/v1/invitations/${token}/accept`, { method: 'POST', headers: browser(), body: {} }), 403);
    expect(await pending(org.orgId, org.ownerKey)).toHaveLength(1);
  });

  it('answers garbage registration responses with 400/422 and leaves the invitation pending', async () => {
    const org = await createOrg('accept-garbage');
    const { token } = await invite(org, email('garbage'), 'member');
    const bodies: unknown[] = [
      {
        response: {
          id: 'AA',
          rawId: 'AA',
          type: 'public-key',
          response: { clientDataJSON: 'bm90IGpzb24', attestationObject: 'AAAA' },
          clientExtensionResults: {},
        },
      },
      { response: { id: '\ud800', rawId: 'AA', type: 'public-key', response: { clientDataJSON: 'x' }, clientExtensionResults: {} } },
      { response: { id: 'AA', rawId: 'AA', type: 'public-key', response: { clientDataJSON: 'AA' }, clientExtensionResults: {} } },
      { response: JSON.parse(`${'['.repeat(300)}${']'.repeat(300)}`) },
      {},
    ];
    for (const body of bodies) {
      const { ceremony } = await registrationCeremony(token);
      const response = await call(`/api/v1/invitations/${token}/accept`, { method: 'POST', headers: browser(ceremony), body });
      expect([400, 422]).toContain(response.status);
      expect(cookieFrom(response, 'audit_session')).toBeNull();
      await response.body?.cancel();
    }
    expect(await pending(org.orgId, org.ownerKey)).toHaveLength(1);
  });
});

describe('one-time sign-in links', () => {
  it('are made only with the platform admin token, work once within 15 minutes, and start a link session', async () => {
    const org = await createOrg('link');
    const forbidden = await call('/api/v1/auth/sign-in-links', { method: 'POST', token: org.ownerKey, body: { email: org.ownerEmail } });
    await expectProblem(forbidden, 403);
    await expectProblem(await call('/api/v1/auth/sign-in-links', { method: 'POST', body: { email: org.ownerEmail } }), 401);
    await expectProblem(await call('/api/v1/auth/sign-in-links', { method: 'POST', token: ADMIN, body: { email: email('nobody') } }), 404);
    const link = await json<{ url: string; expiresAt: string }>(
      await call('/api/v1/auth/sign-in-links', { method: 'POST', token: ADMIN, body: { email: org.ownerEmail.toUpperCase() } }),
      201,
    );
    expect(link.url).toMatch(/^http:\/\/localhost:8787\/sign-in\/link#[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const token = link.url.slice(link.url.indexOf('#') + 1);
    const used = await call(`/api/v1/auth/sign-in-links/${token}`, { method: 'POST', headers: browser() });
    const session = cookieFrom(used, 'audit_session');
    expect((await json<{ user: { email: string } }>(used, 201)).user.email).toBe(org.ownerEmail);
    const sessions = await json<{ sessions: { method: string; current: boolean }[] }>(
      await call('/api/v1/me/sessions', { headers: browser(session) }),
      200,
    );
    expect(sessions.sessions.find((s) => s.current)?.method).toBe('link');
    await expectProblem(await call(`/api/v1/auth/sign-in-links/${token}`, { method: 'POST', headers: browser() }), 401);
    // A sign-in link session may add a passkey (how the demo owner gets one).
    const options = await call('/api/v1/me/passkeys/options', { method: 'POST', headers: browser(session) });
    expect(options.status).toBe(200);
    await options.body?.cancel();
  });

  it('refuses an expired link and a passkey ceremony handle used as a link', async () => {
    const org = await createOrg('link-expired');
    const link = await json<{ url: string }>(
      await call('/api/v1/auth/sign-in-links', { method: 'POST', token: ADMIN, body: { email: org.ownerEmail } }),
      201,
    );
    await env.DB.prepare(
      "UPDATE sign_in_challenges SET expires_at = 1 WHERE purpose = 'sign_in_link' AND user_id = (SELECT id FROM users WHERE email = ?)",
    )
      .bind(org.ownerEmail)
      .run();
    await expectProblem(
      await call(`/api/v1/auth/sign-in-links/${link.url.slice(link.url.indexOf('#') + 1)}`, { method: 'POST', headers: browser() }),
      401,
    );
    const options = await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() });
    await options.body?.cancel();
    const handle = (cookieFrom(options, 'audit_ceremony') ?? '').split('=')[1] ?? '';
    await expectProblem(await call(`/api/v1/auth/sign-in-links/${handle}`, { method: 'POST', headers: browser() }), 401);
  });
});
