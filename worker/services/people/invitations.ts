import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../../auth/principal.ts';
import { mayGrant } from '../../auth/roles.ts';
import { randomToken, sha256Hex } from '../../auth/secrets.ts';
import type { Role } from '../../contract/enums.ts';
import type { Invitation, InvitationPreview } from '../../contract/identity.ts';
import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { invitations, memberships, organizations, passkeys, ssoConfigurations, users } from '../../db/schema.ts';
import { ApiError, forbidden, notFound } from '../../errors.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { recordChangeStatements } from '../event-store/index.ts';
import { insertPasskeyStatement } from './passkeys.ts';
import type { VerifiedPasskey } from './webauthn.ts';

/** An invitation link works once, for 7 days. */
const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

type InvitationRow = typeof invitations.$inferSelect;

function view(row: InvitationRow): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    expiresAt: new Date(row.expiresAt).toISOString(),
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** Not accepted, not revoked, not expired: the only invitations that are listed, revoked or accepted. */
function pending(now: number) {
  return and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now));
}

async function memberOf(db: Database, organizationId: string, email: string) {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organizationId, organizationId), eq(users.email, email)))
    .limit(1);
  return row;
}

/** Invites `email` with `role` (only roles the caller may grant); the token is returned once, stored only hashed. */
export async function createInvitation(
  db: Database,
  organizationId: string,
  input: { email: string; role: Role },
  context: ChangeContext,
): Promise<{ invitation: Invitation; token: string }> {
  if (!mayGrant(context.role, input.role)) throw forbidden(`Your role (${context.role}) cannot invite ${input.role} members.`);
  const member = await memberOf(db, organizationId, input.email);
  if (member) throw new ApiError('member-exists', `${input.email} is already a member (${member.role}).`);
  const token = randomToken(32);
  const row: InvitationRow = {
    id: newId('inv'),
    organizationId,
    email: input.email,
    role: input.role,
    tokenHash: await sha256Hex(token),
    invitedBy: context.principal.user?.id ?? null,
    createdAt: context.now,
    expiresAt: context.now + INVITATION_TTL_MS,
    acceptedAt: null,
    acceptedBy: null,
    revokedAt: null,
  };
  const event = managementEvent(context, {
    action: 'create',
    objectType: 'invitation',
    objectName: input.email,
    message: `Invited ${input.email} as ${input.role}`,
    extra: { role: input.role, invitationId: row.id, expiresAt: new Date(row.expiresAt).toISOString() },
  });
  await db.batch([db.insert(invitations).values(row), ...recordChangeStatements(db, organizationId, [event], context.now)]);
  return { invitation: view(row), token };
}

export async function listInvitations(db: Database, organizationId: string, now: number): Promise<Invitation[]> {
  const rows = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.organizationId, organizationId), pending(now)))
    .orderBy(desc(invitations.createdAt));
  return rows.map(view);
}

/** Revokes a pending invitation of this organization (anything else, another organization's included, is a 404). */
export async function revokeInvitation(db: Database, organizationId: string, id: string, context: ChangeContext): Promise<void> {
  const [row] = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.id, id), eq(invitations.organizationId, organizationId), pending(context.now)));
  if (!row) throw notFound(`No pending invitation ${id} in this organization.`);
  if (!mayGrant(context.role, row.role)) throw forbidden(`Your role (${context.role}) cannot manage ${row.role} invitations.`);
  const event = managementEvent(context, {
    action: 'delete',
    objectType: 'invitation',
    objectName: row.email,
    message: `Revoked the invitation of ${row.email} (${row.role})`,
    extra: { role: row.role, invitationId: row.id },
  });
  const [update] = await db.batch([
    db
      .update(invitations)
      .set({ revokedAt: context.now })
      .where(and(eq(invitations.id, id), pending(context.now))),
    ...recordChangeStatements(db, organizationId, [event], context.now, { onlyIfPreviousChanged: true }),
  ]);
  if (update.meta.changes === 0) throw notFound(`No pending invitation ${id} in this organization.`);
}

const INVALID_LINK = 'This invitation link is not valid: it may have expired, been used or been revoked. Ask for a new one.';

export interface PendingInvitation {
  row: InvitationRow;
  organizationName: string;
  enforceSso: boolean;
}

/** The pending invitation behind a link's token; a 404 that does not say why for anything else. */
export async function pendingInvitation(db: Database, token: string, now: number): Promise<PendingInvitation> {
  const [found] = await db
    .select({ row: invitations, organizationName: organizations.name, enforceSso: ssoConfigurations.enforceSso })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .leftJoin(ssoConfigurations, eq(ssoConfigurations.organizationId, invitations.organizationId))
    .where(and(eq(invitations.tokenHash, await sha256Hex(token)), pending(now)))
    .limit(1);
  if (!found) throw notFound(INVALID_LINK);
  return { row: found.row, organizationName: found.organizationName, enforceSso: found.enforceSso === true };
}

export function previewInvitation(invitation: PendingInvitation): InvitationPreview {
  const { row } = invitation;
  return {
    organization: { id: row.organizationId, name: invitation.organizationName },
    email: row.email,
    role: row.role,
    expiresAt: new Date(row.expiresAt).toISOString(),
    enforceSso: invitation.enforceSso,
  };
}

/**
 * The user an invitation signs in as when a passkey is registered through its link. A new email
 * gets a new user. An email that already belongs to someone with a way in (a membership or a
 * passkey) is theirs: the link alone must not add a passkey to their account (an admin of one
 * organization could otherwise take over a person's access to every other), so they accept while
 * signed in as themselves (`signedInUserId`) and no passkey is needed.
 */
export async function invitedUser(db: Database, email: string, signedInUserId: string | null, now: number) {
  const [existing] = await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.email, email));
  if (existing) {
    if (existing.id === signedInUserId) return { user: existing, signedIn: true };
    const [hasWayIn] = await db
      .select({ one: sql<number>`1` })
      .from(users)
      .where(
        and(
          eq(users.id, existing.id),
          sql`(EXISTS (SELECT 1 FROM ${memberships} WHERE ${memberships.userId} = ${existing.id}) OR EXISTS (SELECT 1 FROM ${passkeys} WHERE ${passkeys.userId} = ${existing.id}))`,
        ),
      );
    if (hasWayIn) {
      throw forbidden(`${email} already has an account here: sign in as ${email} first, then open the invitation link again.`);
    }
    return { user: existing, signedIn: false };
  }
  const name = email.slice(0, email.indexOf('@')) || email;
  await db
    .insert(users)
    .values({ id: newId('usr'), email, name, createdAt: now })
    .onConflictDoNothing();
  const [created] = await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.email, email));
  if (!created) throw notFound(INVALID_LINK);
  return { user: created, signedIn: false };
}

/**
 * Uses the invitation: one conditional UPDATE (still pending, checked by its change count) makes
 * it single use even when two accepts race; then the membership (an existing one is kept as it is)
 * and, when the person registered one, the passkey.
 */
export async function claimInvitation(
  db: Database,
  invitation: InvitationRow,
  userId: string,
  passkey: VerifiedPasskey | null,
  now: number,
): Promise<void> {
  const claimed = await db
    .update(invitations)
    .set({ acceptedAt: now, acceptedBy: userId })
    .where(and(eq(invitations.id, invitation.id), pending(now)))
    .returning({ id: invitations.id });
  if (claimed.length === 0) throw notFound(INVALID_LINK);
  const membership = db
    .insert(memberships)
    .values({ organizationId: invitation.organizationId, userId, role: invitation.role, createdAt: now })
    .onConflictDoNothing();
  if (passkey) await db.batch([membership, insertPasskeyStatement(db, userId, passkey, 'Passkey', now)]);
  else await membership;
}

/** The `accept` event, recorded as the person who accepted (with the credential of their new session). */
export async function recordAccepted(
  db: Database,
  invitation: InvitationRow,
  context: { principal: Principal; ip: string | null; now: number },
): Promise<void> {
  const event = managementEvent(context, {
    action: 'accept',
    objectType: 'invitation',
    objectName: invitation.email,
    message: `${invitation.email} accepted the invitation and joined as ${invitation.role}`,
    extra: { role: invitation.role, invitationId: invitation.id },
  });
  const [statement] = recordChangeStatements(db, invitation.organizationId, [event], context.now);
  await statement;
}
