import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, call, createOrg, expectProblem, json, unique } from './helpers/api.ts';
import { acceptWithPasskey, browser, cookieFrom, invite } from './helpers/people.ts';
import { account, configureSso, ssoSignIn, uniqueDomain } from './helpers/sso.ts';

/** Cloudflare Access's assertion for `email`, signed by the test's Access team keys (test/setup/oidc-provider.ts). */
async function accessAssertion(email: string): Promise<string> {
  const response = await fetch(`${env.OIDC_TEST_SERVER}/sign`, { method: 'POST', body: JSON.stringify({ email, sub: `access-${email}` }) });
  return response.text();
}

/** One person signed in every way there is, in an organization with SSO for `domain`. */
async function signedInEveryWay(label: string, role = 'admin') {
  const org = await createOrg(label);
  const domain = uniqueDomain();
  await configureSso(org, { domain });
  const email = `${unique('person')}@${domain}`;
  const passkey = await acceptWithPasskey((await invite(org, email, role)).token);
  const key = await json<{ id: string; secret: string }>(
    await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
      method: 'POST',
      headers: browser(passkey.session),
      body: { name: 'laptop', role },
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
  return { org, domain, userId: passkey.body.user.id, transports, members: `/api/v1/organizations/${org.orgId}/members` };
}

describe('offboarding ends everything a person had, at once, on every transport', () => {
  it('API key (Bearer and Basic), API-key session, passkey, one-time link, SSO and Access all stop reaching the organization', async () => {
    const { org, userId, transports, members } = await signedInEveryWay('offboard-all');
    for (const [name, headers] of Object.entries(transports)) {
      expect((await call(members, { headers })).status, `${name} before the removal`).toBe(200);
    }
    expect((await call(`${members}/${userId}`, { method: 'DELETE', token: org.ownerKey })).status).toBe(204);
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

describe('enforceSso on every transport', () => {
  it('only SSO sessions and API keys reach the organization once it enforces SSO, from the next request on', async () => {
    const { org, domain, transports, members } = await signedInEveryWay('enforce-all');
    await configureSso(org, { domain, enforceSso: true });
    const reaches = { bearer: true, basic: true, 'SSO session': true } as Record<string, boolean>;
    for (const [name, headers] of Object.entries(transports)) {
      const response = await call(members, { headers });
      if (reaches[name]) expect(response.status, name).toBe(200);
      else expect((await expectProblem(response, 403)).type, name).toBe('urn:problem:audit-logs:sso-required');
    }
    // Turned off again, every way in reaches it again (nothing was revoked, only not let in).
    await configureSso(org, { domain, enforceSso: false });
    for (const [name, headers] of Object.entries(transports)) expect((await call(members, { headers })).status, name).toBe(200);
  });
});
