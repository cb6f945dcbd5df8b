import type { KeyRole, Role } from '../db/schema.ts';

/**
 * What each role may do. `auditor` is not "between" member and admin: it reads the audit record
 * (logs, exports, stream, archives, settings) and changes nothing, while an admin manages but does
 * not read the audit record. So roles are compared by what they allow, not by a rank.
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

/** Whether `holder` may do everything `role` may. */
function covers(holder: KeyRole, role: KeyRole): boolean {
  return CAPABILITIES[role].every((capability) => can(holder, capability));
}

/**
 * What a key of role `keyRole` may do for a user who holds `userRole` now: never more than either.
 * Where neither covers the other (an auditor key of an admin), only what both allow: member.
 */
export function effectiveRole(keyRole: Role, userRole: Role): Role {
  if (covers(userRole, keyRole)) return keyRole;
  if (covers(keyRole, userRole)) return userRole;
  return 'member';
}

/** Whether a caller holding `caller` may hand out (or take away) `target`: never a role that allows more than its own. */
export function mayGrant(caller: KeyRole, target: KeyRole): boolean {
  if (!can(caller, 'manage')) return false;
  if (target === 'ingest') return true;
  return covers(caller, target);
}
