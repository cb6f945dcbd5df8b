import { eq } from 'drizzle-orm';
import type { OrgGrant, Principal } from '../../auth/principal.ts';
import { normaliseEmail } from '../../auth/sso-identity.ts';
import type { Database } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import { unauthorized } from '../../errors.ts';
import { membershipsQuery, ssoEnforcingQuery } from './person-memberships.ts';

/**
 * The person a verified Cloudflare Access token names (docs/SSO.md): their memberships at their
 * current role, per request (no session row). Organizations that enforce SSO are left out
 * (→ 403 sso-required there): Access proves who is at the door, not that they came through the
 * organization's own identity provider. An email that is no member is a 401.
 */
export async function principalFromAccess(db: Database, rawEmail: unknown, credentialId: string): Promise<Principal> {
  const email = normaliseEmail(rawEmail);
  const [user] = email
    ? await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.email, email)).limit(1)
    : [];
  if (!user) throw unauthorized('Cloudflare Access let this person through, but no member has that email.');
  const [rows, enforcingRows] = await db.batch([membershipsQuery(db, user.id), ssoEnforcingQuery(db, user.id)]);
  const enforced = new Set(enforcingRows.map((row) => row.organizationId));
  const grants: OrgGrant[] = rows
    .filter((row) => !enforced.has(row.organizationId))
    .map((row) => ({ organizationId: row.organizationId, role: row.role, instanceId: null, apiKeyId: null }));
  if (rows.length === 0) throw unauthorized('Cloudflare Access let this person through, but they are a member of no organization.');
  return {
    kind: 'access',
    user,
    apiKeyId: null,
    sessionTokenHash: null,
    grants,
    actor: { type: 'user', id: user.email },
    credential: { type: 'access', id: credentialId },
    ssoRequired: [...enforced],
  };
}
