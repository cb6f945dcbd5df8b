import { and, eq, gt, isNull } from 'drizzle-orm';
import type { PrincipalUser } from '../../auth/principal.ts';
import type { Role } from '../../contract/enums.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { invitations, memberships, users } from '../../db/schema.ts';
import { managementEvent } from '../../events/management-event.ts';
import { recordChangeStatements } from '../event-store/index.ts';

interface Joiner {
  email: string;
  name: string;
  /** Who proved the email: recorded as the events' actor (the person themselves). */
  credentialId: string;
}

async function userFor(db: Database, joiner: Joiner, now: number): Promise<PrincipalUser> {
  await db
    .insert(users)
    .values({ id: newId('usr'), email: joiner.email, name: joiner.name, createdAt: now })
    .onConflictDoNothing();
  const [user] = await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.email, joiner.email));
  if (!user) throw new Error(`user ${joiner.email} vanished`);
  return user;
}

function context(joiner: Joiner, now: number) {
  return {
    principal: { actor: { type: 'user' as const, id: joiner.email }, credential: { type: 'sso' as const, id: joiner.credentialId } },
    ip: null,
    now,
  };
}

/**
 * Accepts the organization's pending invitation for this email, if there is one: a conditional
 * UPDATE claims it (so two sign-ins at once accept it once), then the membership and the `accept`
 * event. Returns the role it gave, or null when there was none to accept.
 */
export async function acceptInvitationBySso(
  db: Database,
  organizationId: string,
  joiner: Joiner,
  now: number,
): Promise<{ user: PrincipalUser; role: Role } | null> {
  const [pending] = await db
    .select({ id: invitations.id })
    .from(invitations)
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        eq(invitations.email, joiner.email),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, now),
      ),
    )
    .limit(1);
  if (!pending) return null;
  const user = await userFor(db, joiner, now);
  const [claimed] = await db
    .update(invitations)
    .set({ acceptedAt: now, acceptedBy: user.id })
    .where(
      and(eq(invitations.id, pending.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now)),
    )
    .returning({ role: invitations.role });
  if (!claimed) return null;
  const event = managementEvent(context(joiner, now), {
    action: 'accept',
    objectType: 'invitation',
    objectName: joiner.email,
    message: `${joiner.email} accepted the invitation as ${claimed.role} through SSO`,
    extra: { role: claimed.role, invitationId: pending.id, method: 'sso' },
  });
  await db.batch([
    db.insert(memberships).values({ organizationId, userId: user.id, role: claimed.role, createdAt: now }).onConflictDoNothing(),
    ...(await recordChangeStatements(db, organizationId, [event], now)),
  ]);
  return { user, role: claimed.role };
}

/** autoAddMember: the person becomes a member with the role the OIDC map gives their groups. */
export async function addMemberBySso(
  db: Database,
  organizationId: string,
  joiner: Joiner,
  role: Role,
  now: number,
): Promise<PrincipalUser> {
  const user = await userFor(db, joiner, now);
  const event = managementEvent(context(joiner, now), {
    action: 'create',
    objectType: 'member',
    objectName: joiner.email,
    message: `Added ${joiner.email} as ${role} at their first SSO sign-in (autoAddMember)`,
    extra: { role, method: 'sso' },
  });
  await db.batch([
    db.insert(memberships).values({ organizationId, userId: user.id, role, createdAt: now }).onConflictDoNothing(),
    ...(await recordChangeStatements(db, organizationId, [event], now)),
  ]);
  return user;
}
