// What the signed-in user may do in an organization, by their role there (`/me` gives it per
// organization). The same table as the Worker's (worker/auth/roles.ts), used only to decide what
// to show: the Worker checks every request itself, and its answer wins.
import type { KeyRole, Role } from './api-types.ts';

/**
 * `auditor` is not "between" member and admin: it reads the audit record and changes nothing, while
 * an admin manages members and keys but does not read the audit record.
 */
const CAPABILITIES = {
  owner: ['read', 'readAudit', 'manage', 'sendEvents', 'configureAudit'],
  admin: ['read', 'manage', 'sendEvents'],
  auditor: ['read', 'readAudit'],
  member: ['read'],
  ingest: ['sendEvents'],
} as const satisfies Record<KeyRole, readonly string[]>;

export type Capability = (typeof CAPABILITIES)[KeyRole][number];

export function can(role: KeyRole, capability: Capability): boolean {
  return (CAPABILITIES[role] as readonly Capability[]).includes(capability);
}

/** Audit logs, exports, archives, the chart, suggestions and the retention settings: owners and auditors. */
export const canReadAudit = (role: KeyRole): boolean => can(role, 'readAudit');

/** Adding and removing members, changing roles, creating and revoking API keys: owners and admins. */
export const canManage = (role: KeyRole): boolean => can(role, 'manage');

/** Changing the retention settings: owners. */
export const canConfigureAudit = (role: KeyRole): boolean => can(role, 'configureAudit');

/** Webhooks (notification configs): owners only, like the Worker's webhook routes. */
export const canConfigureWebhooks = (role: KeyRole): boolean => role === 'owner';

/** Log streams: owners only, like the Worker's log-stream routes. */
export const canConfigureLogStreams = (role: KeyRole): boolean => role === 'owner';

/** Whether `holder` may do everything `role` may. */
const covers = (holder: KeyRole, role: KeyRole): boolean => CAPABILITIES[role].every((capability) => can(holder, capability));

/** Whether a caller may hand out or take away `target`: never a role that allows more than their own. */
export function mayGrant(caller: KeyRole, target: KeyRole): boolean {
  if (!canManage(caller)) return false;
  return target === 'ingest' || covers(caller, target);
}

export const MEMBER_ROLES: readonly Role[] = ['owner', 'admin', 'auditor', 'member'];
export const KEY_ROLES: readonly KeyRole[] = ['ingest', 'auditor', 'member', 'admin', 'owner'];

/** What each role means, in the words the role pickers use. */
export const ROLE_DESCRIPTIONS: Record<KeyRole, string> = {
  owner: 'everything, including audit logs, retention settings and other owners',
  admin: 'manages members, API keys and instances; does not read audit logs',
  auditor: 'reads audit logs, exports, archives and settings; changes nothing',
  member: 'sees the organization and its instances',
  ingest: 'only sends events (for Argo CD, Kargo and other sources); cannot sign in',
};
