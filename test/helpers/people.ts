import { expect } from 'vitest';
import type { CreatedInvitation } from '../../worker/contract/identity.ts';
import { call, json, type TestOrg } from './api.ts';
import { type SoftwareAuthenticator, softwareAuthenticator, TEST_ORIGIN } from './authenticator.ts';

/** The value of one cookie a response sets, as a `Cookie` header entry. */
export function cookieFrom(response: Response, name: string): string | null {
  for (const line of response.headers.getSetCookie()) {
    const match = new RegExp(`^${name}=([^;]*)`).exec(line);
    if (match?.[1]) return `${name}=${match[1]}`;
  }
  return null;
}

/** Headers of a browser request from our own pages with these cookies. */
export function browser(...cookies: (string | null)[]): Record<string, string> {
  const present = cookies.filter((cookie): cookie is string => cookie !== null);
  return { origin: TEST_ORIGIN, ...(present.length > 0 ? { cookie: present.join('; ') } : {}) };
}

export async function invite(org: TestOrg, email: string, role = 'member', token = org.ownerKey) {
  const created = await json<CreatedInvitation>(
    await call(`/api/v1/organizations/${org.orgId}/invitations`, { method: 'POST', token, body: { email, role } }),
    201,
  );
  const linkToken = created.url.slice(created.url.lastIndexOf('/') + 1);
  return { ...created, token: linkToken };
}

/** Starts the invitation's passkey ceremony: the creation options and the ceremony cookie. */
export async function registrationCeremony(linkToken: string, cookies: (string | null)[] = []) {
  const response = await call(`/api/v1/invitations/${linkToken}/passkey-options`, { method: 'POST', headers: browser(...cookies) });
  const options = await json<Record<string, unknown>>(response, 200);
  return { options, ceremony: cookieFrom(response, 'audit_ceremony') };
}

export interface SignedInPerson {
  session: string;
  authenticator: SoftwareAuthenticator;
  body: { user: { id: string; email: string }; organizations: { id: string; role: string }[] };
}

/** Accepts an invitation the way the dashboard does: register a passkey, accept with it. */
export async function acceptWithPasskey(linkToken: string, authenticator?: SoftwareAuthenticator): Promise<SignedInPerson> {
  const device = authenticator ?? (await softwareAuthenticator());
  const { options, ceremony } = await registrationCeremony(linkToken);
  const response = await call(`/api/v1/invitations/${linkToken}/accept`, {
    method: 'POST',
    headers: browser(ceremony),
    body: { response: await device.register(options) },
  });
  const session = cookieFrom(response, 'audit_session');
  const body = await json<SignedInPerson['body']>(response, 201);
  expect(session).not.toBeNull();
  return { session: session ?? '', authenticator: device, body };
}

/** "Sign in with a passkey": options, assertion, session cookie (or the failed response). */
export async function passkeySignIn(authenticator: SoftwareAuthenticator, tamper?: (assertion: Record<string, unknown>) => unknown) {
  const optionsResponse = await call('/api/v1/auth/passkey/options', { method: 'POST', headers: browser() });
  const ceremony = cookieFrom(optionsResponse, 'audit_ceremony');
  const options = await json<Record<string, unknown>>(optionsResponse, 200);
  const assertion = await authenticator.assert(options);
  const body = tamper ? tamper(assertion as unknown as Record<string, unknown>) : { response: assertion };
  const response = await call('/api/v1/auth/passkey', { method: 'POST', headers: browser(ceremony), body });
  return { response, session: cookieFrom(response, 'audit_session'), ceremony, options, assertion };
}
