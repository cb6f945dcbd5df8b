import type { Principal } from '../../auth/principal.ts';
import type { SessionMethod } from '../../contract/enums.ts';
import type { OrganizationSummary } from '../../contract/management.ts';
import type { Database } from '../../db/client.ts';
import { type ManagementChange, managementEvent } from '../../events/management-event.ts';
import { recordChangeStatements } from '../event-store/index.ts';
import { organizationsQuery, withRoles } from './credentials.ts';

/** How each way in reads in an event's message. */
const METHOD_WORDS: Record<SessionMethod, string> = {
  api_key: 'an API key',
  passkey: 'a passkey',
  sso: 'SSO',
  access: 'Cloudflare Access',
  link: 'a one-time sign-in link',
};

/** The statements queueing `change` as an event of the principal in every organization it reaches. */
function inEveryOrganization(db: Database, principal: Principal, change: ManagementChange, context: { ip: string | null; now: number }) {
  const organizations = principal.grants === 'all' ? [] : principal.grants.map((grant) => grant.organizationId);
  return organizations.flatMap((organizationId) =>
    recordChangeStatements(db, organizationId, [managementEvent({ principal, ...context }, change)], context.now),
  );
}

/** Queues `change` as an event of the principal in every organization it reaches, in one batch. */
async function recordInEveryOrganization(
  db: Database,
  principal: Principal,
  change: ManagementChange,
  context: { ip: string | null; now: number },
): Promise<void> {
  const [first, ...rest] = inEveryOrganization(db, principal, change, context);
  if (first) await db.batch([first, ...rest]);
}

/** The `sign_in` change of a session started with `method`. */
function signInChange(principal: Principal, method: SessionMethod): ManagementChange {
  return {
    action: 'sign_in',
    objectType: 'session',
    objectName: principal.credential.id,
    message: `Signed in with ${METHOD_WORDS[method]}`,
    extra: { method },
  };
}

/**
 * Queues one `sign_in` event (object type `session`, the session id as its name) in every
 * organization the new session reaches, recorded with the session's own credential. The route
 * must mark the request (markChangesQueued) so the events move to the shards before it answers.
 */
export function recordSignIn(db: Database, principal: Principal, method: SessionMethod, context: { ip: string | null; now: number }) {
  return recordInEveryOrganization(db, principal, signInChange(principal, method), context);
}

/**
 * `recordSignIn`, and the organizations the new session reaches with its role in each (what the
 * sign-in answers, as GET /me would), in one round trip.
 */
export async function recordSignInListingOrganizations(
  db: Database,
  principal: Principal,
  method: SessionMethod,
  context: { ip: string | null; now: number },
): Promise<OrganizationSummary[]> {
  const [rows] = await db.batch([
    organizationsQuery(db, principal),
    ...inEveryOrganization(db, principal, signInChange(principal, method), context),
  ]);
  return withRoles(principal, rows);
}

/** `sign_out` in every organization the ending session reached. */
export function recordSignOut(db: Database, principal: Principal, context: { ip: string | null; now: number }) {
  return recordInEveryOrganization(
    db,
    principal,
    { action: 'sign_out', objectType: 'session', objectName: principal.credential.id, message: 'Signed out' },
    context,
  );
}

/**
 * `sign_in_failed` in the organization the attempt was for (only where it is known: a wrong key or
 * an unknown passkey names no organization). The actor is who the attempt claimed to be (an email
 * the provider asserted, a key's owner), never a secret; `reason` says what went wrong.
 */
export async function recordSignInFailed(
  db: Database,
  organizationId: string,
  attempt: {
    /** Default 'user'; 'api_key' for a key that is no person's (a service key). */
    actorType?: Principal['actor']['type'];
    actorId: string;
    method: SessionMethod;
    reason: string;
    credential: Principal['credential'] | null;
  },
  context: { ip: string | null; now: number },
): Promise<void> {
  const event = managementEvent(
    { principal: { actor: { type: attempt.actorType ?? 'user', id: attempt.actorId }, credential: attempt.credential }, ...context },
    {
      action: 'sign_in_failed',
      objectType: 'session',
      objectName: attempt.actorId,
      message: `Sign-in with ${METHOD_WORDS[attempt.method]} failed: ${attempt.reason}`,
      extra: { method: attempt.method, reason: attempt.reason },
    },
  );
  const [statement] = recordChangeStatements(db, organizationId, [event], context.now);
  await statement;
}
