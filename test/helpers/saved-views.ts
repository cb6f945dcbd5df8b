import { env } from 'cloudflare:workers';
import type { SavedView } from '../../worker/contract/index.ts';
import { database } from '../../worker/db/client.ts';
import { startSession } from '../../worker/services/access/index.ts';
import { type CallOptions, call, json, type TestOrg, unique } from './api.ts';

export const viewsPath = (org: TestOrg) => `/api/v1/organizations/${org.orgId}/saved-views`;

/** A caller: a Bearer key, or a person's session cookie. */
export type As = { token: string } | { headers: Record<string, string> };

export const viewsCall = (org: TestOrg, as: As, options: CallOptions & { suffix?: string } = {}) =>
  call(`${viewsPath(org)}${options.suffix ?? ''}`, { ...options, ...as });

export async function listViews(org: TestOrg, as: As): Promise<SavedView[]> {
  return (await json<{ savedViews: SavedView[] }>(await viewsCall(org, as), 200)).savedViews;
}

export async function saveView(org: TestOrg, as: As, body: Record<string, unknown>): Promise<SavedView> {
  return json<SavedView>(await viewsCall(org, as, { method: 'POST', body }), 201);
}

/** Another person of the organization, signed in as themselves (a passkey session). */
export async function otherPerson(org: TestOrg, role = 'member'): Promise<{ userId: string; as: As }> {
  const email = `${unique('person')}@example.com`;
  const member = await json<{ userId: string }>(
    await call(`/api/v1/organizations/${org.orgId}/members`, { method: 'POST', token: org.ownerKey, body: { email, name: 'P', role } }),
    201,
  );
  const { token } = await startSession(
    database(env.DB),
    { user: { id: member.userId, email, name: 'P' }, method: 'passkey', apiKeyId: null, ssoOrganizationId: null },
    null,
    { userAgent: 'test', ip: null },
    Date.now(),
  );
  return { userId: member.userId, as: { headers: { cookie: `audit_session=${token}`, origin: 'http://localhost:8787' } } };
}
