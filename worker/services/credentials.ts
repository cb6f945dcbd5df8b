import { and, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apiKeys, memberships, organizations, sessions, users, type KeyRole, type Role } from '../db/schema';
import type { OrgGrant, Principal } from '../auth/principal';
import { weakerRole } from '../auth/roles';
import { randomToken, sha256Hex } from '../auth/secrets';
import { unauthorized } from '../errors';

interface KeyLookup {
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

async function findKey(db: Database, where: ReturnType<typeof eq>): Promise<KeyLookup | undefined> {
  const rows = await db
    .select({
      id: apiKeys.id,
      organizationId: apiKeys.organizationId,
      role: apiKeys.role,
      instanceId: apiKeys.instanceId,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      userId: apiKeys.userId,
      userEmail: users.email,
      userName: users.name,
      memberRole: memberships.role,
    })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(memberships, and(eq(memberships.organizationId, apiKeys.organizationId), eq(memberships.userId, apiKeys.userId)))
    .where(where)
    .limit(1);
  return rows[0];
}

/**
 * The key's grant, or a 401 when it is revoked, expired, or its user has left the organization.
 * A key never grants more than its user currently holds.
 */
function keyGrant(key: KeyLookup | undefined, now: number): OrgGrant {
  if (!key) throw unauthorized('The API key is not valid.');
  if (key.revokedAt !== null) throw unauthorized('The API key has been revoked.');
  if (key.expiresAt !== null && key.expiresAt <= now) throw unauthorized('The API key has expired.');
  let role: KeyRole = key.role;
  if (key.userId !== null) {
    if (key.memberRole === null) throw unauthorized('The API key belongs to a user who is no longer a member.');
    if (role !== 'ingest') role = weakerRole(role, key.memberRole);
  }
  return { organizationId: key.organizationId, role, instanceId: key.instanceId };
}

function keyUser(key: KeyLookup) {
  return key.userId !== null && key.userEmail !== null ? { id: key.userId, email: key.userEmail, name: key.userName ?? '' } : null;
}

export async function principalFromApiKey(db: Database, secret: string, now: number): Promise<Principal> {
  const key = await findKey(db, eq(apiKeys.secretHash, await sha256Hex(secret)));
  const grant = keyGrant(key, now);
  const user = key ? keyUser(key) : null;
  return {
    kind: 'api-key',
    user,
    apiKeyId: key?.id ?? null,
    sessionTokenHash: null,
    grants: [grant],
    actor: user ? { type: 'user', id: user.email } : { type: 'api_key', id: key?.id ?? '' },
  };
}

/** last_used_at is refreshed at most once a minute per key to keep reads cheap. */
export async function touchApiKey(db: Database, keyId: string, now: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - 60_000))));
}

async function userGrants(db: Database, userId: string): Promise<OrgGrant[]> {
  const rows = await db
    .select({ organizationId: memberships.organizationId, role: memberships.role })
    .from(memberships)
    .where(eq(memberships.userId, userId));
  return rows.map((row) => ({ ...row, instanceId: null }));
}

/**
 * A session carries its key's authority. A full-strength owner key of a user signs that user in to
 * all their organizations (with their membership roles); a narrower key keeps the session narrow.
 */
export async function principalFromSession(db: Database, token: string, now: number): Promise<Principal> {
  const tokenHash = await sha256Hex(token);
  const [session] = await db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).limit(1);
  if (!session || session.expiresAt <= now) throw unauthorized('The session has ended. Sign in again.');
  const key = await findKey(db, eq(apiKeys.id, session.apiKeyId));
  const grant = keyGrant(key, now);
  const user = key ? keyUser(key) : null;
  if (!user) throw unauthorized('The session has ended. Sign in again.');
  const grants = grant.role === 'owner' ? await userGrants(db, user.id) : [grant];
  return {
    kind: 'session',
    user,
    apiKeyId: session.apiKeyId,
    sessionTokenHash: tokenHash,
    grants,
    actor: { type: 'user', id: user.email },
  };
}

/** Creates a server-side session for a user-bound, non-ingest key; returns the cookie token. */
export async function createSession(db: Database, apiKeyId: string, now: number, ttlMs: number): Promise<string> {
  const token = randomToken(32);
  await db.insert(sessions).values({ tokenHash: await sha256Hex(token), apiKeyId, createdAt: now, expiresAt: now + ttlMs });
  return token;
}

export async function deleteSession(db: Database, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

export interface OrganizationSummary {
  id: string;
  name: string;
  role: KeyRole;
}

/** The organizations a principal can see, with its role in each. */
export async function organizationsOf(db: Database, principal: Principal): Promise<OrganizationSummary[]> {
  const columns = { id: organizations.id, name: organizations.name };
  if (principal.grants === 'all') {
    const rows = await db.select(columns).from(organizations).orderBy(organizations.name);
    return rows.map((row) => ({ ...row, role: 'owner' }));
  }
  const roleByOrg = new Map(principal.grants.map((grant) => [grant.organizationId, grant.role]));
  if (roleByOrg.size === 0) return [];
  const rows = await db
    .select(columns)
    .from(organizations)
    .where(inArray(organizations.id, [...roleByOrg.keys()]))
    .orderBy(organizations.name);
  return rows.flatMap((row) => {
    const role = roleByOrg.get(row.id);
    return role ? [{ ...row, role }] : [];
  });
}
