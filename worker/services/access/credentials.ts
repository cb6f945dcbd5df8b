import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { OrgGrant, Principal, PrincipalUser } from '../../auth/principal.ts';
import { can, effectiveRole } from '../../auth/roles.ts';
import { sha256Hex } from '../../auth/secrets.ts';
import type { OrganizationSummary } from '../../contract/management.ts';
import type { Database } from '../../db/client.ts';
import { inJsonList } from '../../db/json-list.ts';
import { apiKeys, type KeyRole, memberships, organizations, type Role, ssoConfigurations, users } from '../../db/schema.ts';
import { unauthorized } from '../../errors.ts';
import { TOUCH_EVERY_MS } from './sessions.ts';

/**
 * One rule for every transport: an API key acts in its own organization only, with at most the
 * role its user holds there now. Bearer, Basic and a dashboard session all resolve keys through
 * keyGrant. Sessions are resolved in session-principal.ts.
 */
export interface KeyLookup {
  id: string;
  organizationId: string;
  role: KeyRole;
  instanceId: string | null;
  expiresAt: number | null;
  revokedAt: number | null;
  userId: string | null;
  userEmail: string | null;
  userName: string | null;
  memberRole: Role | null;
}

const keyColumns = {
  id: apiKeys.id,
  organizationId: apiKeys.organizationId,
  role: apiKeys.role,
  instanceId: apiKeys.instanceId,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  userId: apiKeys.userId,
  userEmail: users.email,
  userName: users.name,
  // Named apart from the key's own role: D1's batch answers name their columns, and two called
  // "role" would be one (the keys' query rides in a session's batch, session-principal.ts).
  memberRole: sql<Role | null>`${memberships.role}`.as('member_role'),
};

export function keysQuery(db: Database) {
  return db
    .select(keyColumns)
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(memberships, and(eq(memberships.organizationId, apiKeys.organizationId), eq(memberships.userId, apiKeys.userId)));
}

/**
 * The key's grant, or a 401 when it is revoked, expired, or its user no longer holds what it needs:
 * a user who left disables their keys; a key never grants more than its user holds now; an ingest
 * key stops when its user no longer holds a role that may create ingest keys (admin or owner).
 */
export function keyGrant(key: KeyLookup | undefined, now: number): OrgGrant {
  if (!key) throw unauthorized('The API key is not valid.');
  if (key.revokedAt !== null) throw unauthorized('The API key has been revoked.');
  if (key.expiresAt !== null && key.expiresAt <= now) throw unauthorized('The API key has expired.');
  let role: KeyRole = key.role;
  if (key.userId !== null) {
    if (key.memberRole === null) throw unauthorized('The API key belongs to a user who is no longer a member.');
    if (role === 'ingest') {
      if (!can(key.memberRole, 'sendEvents')) {
        throw unauthorized('The API key belongs to a user who no longer holds a role that may send events (admin or owner).');
      }
    } else role = effectiveRole(role, key.memberRole);
  }
  return { organizationId: key.organizationId, role, instanceId: key.instanceId, apiKeyId: key.id };
}

function keyUser(key: KeyLookup): PrincipalUser | null {
  return key.userId !== null && key.userEmail !== null ? { id: key.userId, email: key.userEmail, name: key.userName ?? '' } : null;
}

function keyPrincipal(key: KeyLookup, grant: OrgGrant): Principal {
  const user = keyUser(key);
  return {
    kind: 'api-key',
    user,
    apiKeyId: key.id,
    sessionTokenHash: null,
    grants: [grant],
    actor: user ? { type: 'user', id: user.email } : { type: 'api_key', id: key.id },
    credential: { type: 'api_key', id: key.id },
    ssoRequired: [],
  };
}

/** `Authorization: Bearer <secret>`. */
export async function principalFromApiKey(db: Database, secret: string, now: number): Promise<Principal> {
  const [key] = await keysQuery(db)
    .where(eq(apiKeys.secretHash, await sha256Hex(secret)))
    .limit(1);
  const grant = keyGrant(key, now);
  return keyPrincipal(key as KeyLookup, grant);
}

/** A key sent to sign in, and whether its organization enforces SSO (then it may not sign in). */
export interface SignInKey {
  key: Principal;
  ssoEnforced: boolean;
}

/** `principalFromApiKey` for a sign-in: the key and its organization's SSO enforcement in one round trip. */
export async function signInKeyLookup(db: Database, secret: string, now: number): Promise<SignInKey> {
  const secretHash = await sha256Hex(secret);
  const [[key], enforcing] = await db.batch([
    keysQuery(db).where(eq(apiKeys.secretHash, secretHash)).limit(1),
    db
      .select({ organizationId: ssoConfigurations.organizationId })
      .from(ssoConfigurations)
      .where(
        and(
          eq(ssoConfigurations.enforceSso, true),
          eq(ssoConfigurations.organizationId, sql`(SELECT organization_id FROM api_keys WHERE secret_hash = ${secretHash})`),
        ),
      ),
  ]);
  const grant = keyGrant(key, now);
  return { key: keyPrincipal(key as KeyLookup, grant), ssoEnforced: enforcing.some((row) => row.organizationId === grant.organizationId) };
}

/** `Authorization: Basic base64(<apiKeyId>:<secret>)`, as Akuity's clients send it: the id must be the secret's key. */
export async function principalFromKeyIdAndSecret(db: Database, keyId: string, secret: string, now: number): Promise<Principal> {
  const [key] = await keysQuery(db)
    .where(eq(apiKeys.secretHash, await sha256Hex(secret)))
    .limit(1);
  if (key && key.id !== keyId) throw unauthorized('The API key is not valid.');
  const grant = keyGrant(key, now);
  return keyPrincipal(key as KeyLookup, grant);
}

/** Keys this isolate refreshed, and when: within a minute the UPDATE would change nothing. */
const touched = new Map<string, number>();
const TOUCHED_MAX = 10_000;

/**
 * last_used_at is refreshed at most once a minute per key to keep reads cheap; an isolate that
 * refreshed a key in the last minute skips even the statement (profiled: one D1 round trip on
 * every authenticated request).
 */
export async function touchApiKey(db: Database, keyId: string, now: number): Promise<void> {
  const last = touched.get(keyId);
  if (last !== undefined && last > now - TOUCH_EVERY_MS) return;
  if (touched.size >= TOUCHED_MAX) touched.clear();
  touched.set(keyId, now);
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - TOUCH_EVERY_MS))));
}

/** The organizations a principal can see (id and name, by name), as a query that may ride in a batch. */
export function organizationsQuery(db: Database, principal: Principal) {
  const query = db.select({ id: organizations.id, name: organizations.name }).from(organizations);
  const ids = principal.grants === 'all' ? null : principal.grants.map((grant) => grant.organizationId);
  return (ids === null ? query : query.where(inJsonList(organizations.id, ids))).orderBy(organizations.name);
}

/** `organizationsQuery`'s rows with the principal's role in each. */
export function withRoles(principal: Principal, rows: { id: string; name: string }[]): OrganizationSummary[] {
  if (principal.grants === 'all') return rows.map((row) => ({ ...row, role: 'owner' }));
  const roleByOrg = new Map(principal.grants.map((grant) => [grant.organizationId, grant.role]));
  return rows.flatMap((row) => {
    const role = roleByOrg.get(row.id);
    return role ? [{ ...row, role }] : [];
  });
}

/** The organizations a principal can see, with its role in each. */
export async function organizationsOf(db: Database, principal: Principal): Promise<OrganizationSummary[]> {
  if (principal.grants !== 'all' && principal.grants.length === 0) return [];
  return withRoles(principal, await organizationsQuery(db, principal));
}
