import { and, asc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { memberships, ssoConfigurations } from '../../db/schema.ts';

/** A person (their id, or SQL that yields it, such as a session's user) whose memberships are read. */
type UserRef = string | SQL;

/** A person's memberships at their current role, oldest first. */
export const membershipsQuery = (db: Database, userId: UserRef) =>
  db
    .select({ organizationId: memberships.organizationId, role: memberships.role })
    .from(memberships)
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt));

/** The organizations of a person's memberships that enforce SSO (a person's keys act only where they are a member). */
export const ssoEnforcingQuery = (db: Database, userId: UserRef) =>
  db
    .select({ organizationId: ssoConfigurations.organizationId })
    .from(ssoConfigurations)
    .where(
      and(
        eq(ssoConfigurations.enforceSso, true),
        inArray(
          ssoConfigurations.organizationId,
          db.select({ id: memberships.organizationId }).from(memberships).where(eq(memberships.userId, userId)),
        ),
      ),
    );
