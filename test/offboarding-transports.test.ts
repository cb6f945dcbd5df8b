import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, call, createOrg, json, unique } from './helpers/api.ts';
import { acceptWithPasskey, browser, cookieFrom, invite } from './helpers/people.ts';
import { account, configureSso, ssoSignIn, uniqueDomain } from './helpers/sso.ts';

/** Cloudflare Access's assertion for `email`, signed by the test's Access team keys (test/setup/oidc-provider.ts). */
async function accessAssertion(email: string): Promise<string> {
  const response = await fetch(`${env.OIDC_TEST_SERVER}/sign`, { method: 'POST', body: JSON.stringify({ email, sub: `access-${email}` }) });
  return response.text();
}

describe('offboarding ends everything a person had, at once, on every transport', () => {
  it('API key (Bearer and Basic), API-key session, passkey, one-time link, SSO and Access all stop reaching the organization', async () => {
    const org = await createOrg('offboard-all');
    const domain = uniqueDomain();
    await configureSso(org, { domain });
    const email = `${unique('leaver')}@${domain}`;
    const members = `/api/v1/organizations/${org.orgId}/members`;

    // Every way in, each of them working before the removal.
    const passkey = await acceptWithPasskey((await invite(org, email, 'admin')).token);
    const key = await json<{ id: string; secret: string }>(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
        method: 'POST',
        headers: browser(passkey.session),
        body: { name: 'laptop', role: 'admin' },
      }),
      201,
    );
    const keySession = cookieFrom(await call('/api/v1/auth/session', { method: 'POST', body: { apiKey: key.secret } }), 'audit_session');
    const link = await json<{ url: string }>(
      await call('/api/v1/auth/sign-in-links', { method: 'POST', token: ADMIN, body: { email } }),
      201,
    );
    const linkToken = link.url.slice(link.url.indexOf('#') + 1);
    const linkSession = cookieFrom(
      await call(`/api/v1/auth/sign-in-links/${linkToken}`, { method: 'POST', headers: browser() }),
      'audit_session',
    );
    const sso = await ssoSignIn(`organizationId=${org.orgId}`, account({ email }));
    const transports: Record<string, Record<string, string>> = {
      bearer: { authorization: `Bearer ${key.secret}` },
      basic: { authorization: `Basic ${btoa(`${key.id}:${key.secret}`)}` },
      'API-key session': { cookie: keySession ?? '' },
      'passkey session': { cookie: passkey.session },
      'link session': { cookie: linkSession ?? '' },
      'SSO session': { cookie: `audit_session=${sso.session ?? ''}` },
      access: { 'cf-access-jwt-assertion': await accessAssertion(email) },
    };
    for (const [name, headers] of Object.entries(transports)) {
      expect((await call(members, { headers })).status, `${name} before the removal`).toBe(200);
    }

    const leaver = passkey.body.user.id;
    expect((await call(`${members}/${leaver}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(204);

    for (const [name, headers] of Object.entries(transports)) {
      const status = (await call(members, { headers })).status;
      expect([401, 403], `${name} after the removal answered ${status}`).toContain(status);
      const me = await call('/api/v1/me', { headers });
      if (me.status === 200) {
        const { organizations } = (await me.json()) as { organizations: { id: string }[] };
        expect(
          organizations.map((entry) => entry.id),
          name,
        ).not.toContain(org.orgId);
      } else expect(me.status, name).toBe(401);
    }
  });
});
