import type { KeyRole, Role } from '../db/schema';

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** The weaker of two member roles: a key never grants more than its user holds. */
export function weakerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

export function roleAtLeast(role: KeyRole, minimum: Role): boolean {
  return role !== 'ingest' && RANK[role] >= RANK[minimum];
}

/** Whether a caller holding `caller` may hand out (or take away) `target`. */
export function mayGrant(caller: KeyRole, target: KeyRole): boolean {
  if (caller === 'ingest') return false;
  if (target === 'ingest') return roleAtLeast(caller, 'admin');
  return roleAtLeast(caller, 'admin') && RANK[target] <= RANK[caller];
}
