import type { CredentialType, KeyRole } from '../contract/enums.ts';

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
  /**
   * The key this grant comes from: recorded as sourceKeyId on ingested events. Null for the
   * platform admin token and for a person's membership (passkey, SSO and Access sessions).
   */
  apiKeyId: string | null;
}

export type ActorType = 'user' | 'api_key' | 'system';

/** How the caller authenticated: recorded on every event it causes (never a secret). */
export interface Credential {
  type: CredentialType;
  /** The API key id, the session id (ses_…), or `admin` for the admin token. */
  id: string;
}

/** Who is calling, resolved once per request by the authenticate middleware. */
export interface Principal {
  kind: 'platform-admin' | 'api-key' | 'session' | 'access';
  user: PrincipalUser | null;
  apiKeyId: string | null;
  /** Set for cookie sessions: sign-out deletes this row. */
  sessionTokenHash: string | null;
  /** 'all': the platform admin token acts as owner of every organization. */
  grants: OrgGrant[] | 'all';
  actor: { type: ActorType; id: string };
  credential: Credential;
  /**
   * Organizations the person belongs to but this credential does not reach because they enforce
   * SSO and it was not an SSO sign-in to them: there the answer is 403 `sso-required`, not "no access".
   */
  ssoRequired: string[];
}

export const PLATFORM_ADMIN: Principal = {
  kind: 'platform-admin',
  user: null,
  apiKeyId: null,
  sessionTokenHash: null,
  grants: 'all',
  actor: { type: 'system', id: 'platform-admin' },
  credential: { type: 'admin_token', id: 'admin' },
  ssoRequired: [],
};

export function grantFor(principal: Principal, organizationId: string): OrgGrant | null {
  if (principal.grants === 'all') return { organizationId, role: 'owner', instanceId: null, apiKeyId: null };
  return principal.grants.find((grant) => grant.organizationId === organizationId) ?? null;
}
