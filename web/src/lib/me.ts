import { api, type Fetch } from './api.ts';
import type { MeResponse, Organization } from './api-types.ts';
import type { Me } from './api-types.ts';

/** The signed-in user and their organizations; rejects with a 401 ApiProblem when signed out. */
export async function getMe(fetchFn: Fetch): Promise<MeResponse> {
  const me = await api<Me>(fetchFn, '/me');
  // Only the platform admin token has no user, and it cannot make a dashboard session.
  if (me.user === null) throw new Error('The dashboard needs a signed-in user.');
  return { ...me, user: me.user };
}

export function findOrganization(me: MeResponse, orgId: string): Organization | undefined {
  return me.organizations.find((org) => org.id === orgId);
}

export function isOwner(org: Organization): boolean {
  return org.role === 'owner';
}
