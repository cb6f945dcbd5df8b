import { api, type Fetch } from './api.ts';
import type { MeResponse, Organization } from './api-types.ts';

/** The signed-in user and their organizations; rejects with a 401 ApiProblem when signed out. */
export function getMe(fetchFn: Fetch): Promise<MeResponse> {
  return api<MeResponse>(fetchFn, '/me');
}

export function findOrganization(me: MeResponse, orgId: string): Organization | undefined {
  return me.organizations.find((org) => org.id === orgId);
}

export function isOwner(org: Organization): boolean {
  return org.role === 'owner';
}
