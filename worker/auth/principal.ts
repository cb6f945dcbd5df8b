import type { KeyRole } from '../db/schema.ts';

export interface PrincipalUser {
  id: string;
  email: string;
  name: string;
}

/** What a credential may do in one organization. */
export interface OrgGrant {
  organizationId: string;
  role: KeyRole;
  /** Ingest keys may be limited to one instance. */
  instanceId: string | null;
  /** The key this grant comes from (null for the platform admin token): recorded as sourceKeyId. */
  apiKeyId: string | null;
}

export type ActorType = 'user' | 'api_key' | 'system';

/** Who is calling, resolved once per request by the authenticate middleware. */
export interface Principal {
  kind: 'platform-admin' | 'api-key' | 'session';
  user: PrincipalUser | null;
  apiKeyId: string | null;
  /** Set for cookie sessions: sign-out deletes this row. */
  sessionTokenHash: string | null;
  /** 'all': the platform admin token acts as owner of every organization. */
  grants: OrgGrant[] | 'all';
  actor: { type: ActorType; id: string };
}

export const PLATFORM_ADMIN: Principal = {
  kind: 'platform-admin',
  user: null,
  apiKeyId: null,
  sessionTokenHash: null,
  grants: 'all',
  actor: { type: 'system', id: 'platform-admin' },
};

export function grantFor(principal: Principal, organizationId: string): OrgGrant | null {
  if (principal.grants === 'all') return { organizationId, role: 'owner', instanceId: null, apiKeyId: null };
  return principal.grants.find((grant) => grant.organizationId === organizationId) ?? null;
}
