// The isolation matrix's fixtures for the routes of people signing in (invitations, passkeys, sign-in links).
import { ADMIN, call, json, unique } from './api.ts';
import type { Fixture } from './isolation-callers.ts';

/** A well-formed WebAuthn assertion of no ceremony and no known credential. */
export const STRANGE_ASSERTION = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};

/** Routes whose answer names what the credential in the request reaches (a key, a link), whoever sends it. */
export const CREDENTIAL_IN_REQUEST = new Set([
  'POST /api/v1/auth/session',
  'POST /api/v1/auth/sign-in-links/{token}',
  'GET /api/v1/invitations/{token}',
]);

/** A fresh invitation to the target organization. */
export async function invitation(f: Fixture): Promise<{ id: string; token: string }> {
  const created = await json<{ invitation: { id: string }; url: string }>(
    await call(`/api/v1/organizations/${f.org.orgId}/invitations`, {
      method: 'POST',
      token: f.org.ownerKey,
      body: { email: `${unique('inv')}@example.com`, role: 'member' },
    }),
    201,
  );
  return { id: created.invitation.id, token: created.url.slice(created.url.lastIndexOf('/') + 1) };
}

export async function signInLinkToken(f: Fixture): Promise<string> {
  const link = await json<{ url: string }>(
    await call('/api/v1/auth/sign-in-links', { method: 'POST', token: ADMIN, body: { email: f.org.ownerEmail } }),
    201,
  );
  return link.url.slice(link.url.indexOf('#') + 1);
}
