// The organization's settings, members and API keys: reads for the Settings tab and the changes
// its forms make. Every change is recorded by the Worker as an audit event of the organization.
import { api, type Fetch } from '../shell/api.ts';
import type {
  ApiKey,
  ApiKeysResponse,
  AuditLogSettings,
  AuditLogSettingsChange,
  CreatedApiKey,
  KeyRole,
  Member,
  MembersResponse,
  Role,
} from '../shell/api-types.ts';

const orgPath = (orgId: string): string => `/organizations/${encodeURIComponent(orgId)}`;

export function fetchSettings(fetchFn: Fetch, orgId: string): Promise<AuditLogSettings> {
  return api<AuditLogSettings>(fetchFn, `${orgPath(orgId)}/audit-log-settings`);
}

export function updateSettings(fetchFn: Fetch, orgId: string, change: AuditLogSettingsChange): Promise<AuditLogSettings> {
  return api<AuditLogSettings>(fetchFn, `${orgPath(orgId)}/audit-log-settings`, { method: 'PATCH', body: change });
}

export async function fetchMembers(fetchFn: Fetch, orgId: string): Promise<Member[]> {
  return (await api<MembersResponse>(fetchFn, `${orgPath(orgId)}/members`)).members;
}

export function addMember(fetchFn: Fetch, orgId: string, member: { email: string; name: string; role: Role }): Promise<Member> {
  return api<Member>(fetchFn, `${orgPath(orgId)}/members`, { method: 'POST', body: member });
}

export function changeMemberRole(fetchFn: Fetch, orgId: string, userId: string, role: Role): Promise<Member> {
  return api<Member>(fetchFn, `${orgPath(orgId)}/members/${encodeURIComponent(userId)}`, { method: 'PATCH', body: { role } });
}

export function removeMember(fetchFn: Fetch, orgId: string, userId: string): Promise<void> {
  return api<undefined>(fetchFn, `${orgPath(orgId)}/members/${encodeURIComponent(userId)}`, { method: 'DELETE' });
}

export async function fetchApiKeys(fetchFn: Fetch, orgId: string): Promise<ApiKey[]> {
  return (await api<ApiKeysResponse>(fetchFn, `${orgPath(orgId)}/api-keys`)).apiKeys;
}

export interface NewApiKey {
  name: string;
  role: KeyRole;
  /** Owners only: "service" makes a key of the organization rather than of the signed-in person. */
  kind?: 'personal' | 'service';
  instanceId?: string;
  expiresAt?: string;
}

export function createApiKey(fetchFn: Fetch, orgId: string, key: NewApiKey): Promise<CreatedApiKey> {
  return api<CreatedApiKey>(fetchFn, `${orgPath(orgId)}/api-keys`, { method: 'POST', body: key });
}

export function revokeApiKey(fetchFn: Fetch, orgId: string, keyId: string): Promise<void> {
  return api<undefined>(fetchFn, `${orgPath(orgId)}/api-keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' });
}
