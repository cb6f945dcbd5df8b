import { and, eq } from 'drizzle-orm';
import { authorizationRequest, SsoFailure, verifiedClaims } from '../../auth/oidc-client.ts';
import { grantFor, type Principal, type PrincipalUser } from '../../auth/principal.ts';
import { emailDomain, groupsOf, normaliseEmail, roleFromGroups } from '../../auth/sso-identity.ts';
import type { Role } from '../../contract/enums.ts';
import type { Database } from '../../db/client.ts';
import { memberships, users } from '../../db/schema.ts';
import { storeSsoChallenge, takeSsoChallenge } from './challenge.ts';
import { organizationForDomain, type SsoDeployment, signInSettings } from './configuration.ts';
import { acceptInvitationBySso, addMemberBySso } from './joining.ts';

export { SsoFailure };

/** Where a sign-in is headed: by email (its domain) or by organization id. */
export interface SsoStart {
  email: string | null;
  organizationId: string | null;
  /** The settings page's "Test sign-in": everything but the session and the new member. Owners only. */
  test: boolean;
}

interface KeptState {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  test: boolean;
}

/**
 * The provider URL to send the browser to, and the handle of the stored state (for the cookie).
 * Throws SsoFailure (with the organization when known) for an unknown domain, an organization
 * without SSO, a test by someone who is not its owner, or a provider that cannot be reached.
 */
export async function startSsoSignIn(
  db: Database,
  start: SsoStart,
  caller: Principal | null,
  redirectUri: string,
  deployment: SsoDeployment,
  now: number,
): Promise<{ url: string; handle: string; organizationId: string }> {
  const email = start.email === null ? null : normaliseEmail(start.email);
  if (start.email !== null && email === null) throw new SsoFailure('invalid-email', 'That is not an email address SSO can sign in.');
  const organizationId = start.organizationId ?? (email ? await organizationForDomain(db, emailDomain(email)) : null);
  if (!organizationId) {
    throw new SsoFailure(
      'unknown-domain',
      email ? `No organization signs in people of ${emailDomain(email)} with SSO.` : 'Give an email or an organization.',
    );
  }
  const settings = await signInSettings(db, organizationId, deployment);
  if (!settings) throw new SsoFailure('sso-not-configured', 'That organization has no SSO sign-in.');
  if (start.test && (!caller || grantFor(caller, organizationId)?.role !== 'owner')) {
    throw new SsoFailure('forbidden', "Only the organization's owners can test its SSO sign-in; sign in as an owner first.");
  }
  const { url, kept } = await authorizationRequest(settings.provider, redirectUri, email, deployment.allowInsecure);
  const handle = await storeSsoChallenge(db, organizationId, { ...kept, test: start.test } satisfies KeptState, now);
  return { url, handle, organizationId };
}

/** A successful callback: who signed in to which organization, with which role (nothing is stored for a test). */
export interface SsoOutcome {
  organizationId: string;
  email: string;
  user: PrincipalUser | null;
  role: Role;
  test: boolean;
}

/** A failed callback, with the organization and the email the provider asserted when they are known (for the sign_in_failed event). */
export class SsoSignInError extends SsoFailure {
  readonly organizationId: string | null;
  readonly email: string | null;
  readonly test: boolean;
  constructor(failure: SsoFailure, where: { organizationId: string | null; email: string | null; test: boolean }) {
    super(failure.code, failure.message);
    this.organizationId = where.organizationId;
    this.email = where.email;
    this.test = where.test;
    this.name = 'SsoSignInError';
  }
}

function isKept(value: unknown): value is KeptState {
  const v = value as Partial<KeptState> | null;
  return (
    typeof v?.state === 'string' && typeof v.nonce === 'string' && typeof v.codeVerifier === 'string' && typeof v.redirectUri === 'string'
  );
}

/**
 * The provider's answer → the person. The cookie's handle must name a stored, unexpired, unused
 * state (else a replay or a login CSRF); the ID token must verify; its email must be verified and
 * of the organization's domains; the person must be a member, or have a pending invitation, or be
 * added (autoAddMember, role from the OIDC map).
 */
export async function finishSsoSignIn(
  db: Database,
  handle: string | null,
  callback: URL,
  deployment: SsoDeployment,
  now: number,
): Promise<SsoOutcome> {
  const taken = handle ? await takeSsoChallenge(db, handle, now) : null;
  if (!taken || !isKept(taken.payload)) {
    throw new SsoSignInError(
      new SsoFailure(
        'state-mismatch',
        'This sign-in was not started in this browser, was used already, or took longer than 10 minutes. Start again.',
      ),
      { organizationId: null, email: null, test: false },
    );
  }
  const { organizationId } = taken;
  const kept = taken.payload;
  let email: string | null = null;
  try {
    const settings = await signInSettings(db, organizationId, deployment);
    if (!settings) throw new SsoFailure('sso-not-configured', 'That organization has no SSO sign-in any more.');
    const claims = await verifiedClaims(settings.provider, callback, kept, deployment.allowInsecure);
    email = normaliseEmail(claims.email);
    if (!email) throw new SsoFailure('no-email', 'The identity provider did not give a usable email address (plain ASCII addresses only).');
    if (claims.email_verified !== true) throw new SsoFailure('email-not-verified', `The identity provider has not verified ${email}.`);
    if (!settings.domains.includes(emailDomain(email))) {
      throw new SsoFailure('wrong-domain', `${email} is not of a domain this organization signs in (${settings.domains.join(', ')}).`);
    }
    const role = roleFromGroups(settings.oidcMap, groupsOf(claims, settings.configuration.groupClaims));
    const member = await membership(db, organizationId, email);
    if (member) return { organizationId, email, user: member.user, role: member.role, test: kept.test };
    const joiner = { email, name: displayName(claims, email), credentialId: String(claims.sub ?? email).slice(0, 256) };
    if (kept.test) {
      if (settings.configuration.autoAddMember) return { organizationId, email, user: null, role, test: true };
      throw new SsoFailure('not-a-member', `${email} is not a member of this organization (autoAddMember is off).`);
    }
    const invited = await acceptInvitationBySso(db, organizationId, joiner, now);
    if (invited) return { organizationId, email, user: invited.user, role: invited.role, test: false };
    if (!settings.configuration.autoAddMember) {
      throw new SsoFailure('not-a-member', `${email} is not a member of this organization. Ask an owner or admin to invite you.`);
    }
    return { organizationId, email, user: await addMemberBySso(db, organizationId, joiner, role, now), role, test: false };
  } catch (error) {
    if (error instanceof SsoFailure) throw new SsoSignInError(error, { organizationId, email, test: kept.test });
    throw error;
  }
}

function displayName(claims: Record<string, unknown>, email: string): string {
  const name =
    typeof claims.name === 'string'
      ? claims.name
          .replace(/\p{Cc}/gu, '')
          .trim()
          .slice(0, 100)
      : '';
  return name || email.slice(0, email.indexOf('@'));
}

async function membership(db: Database, organizationId: string, email: string) {
  const [found] = await db
    .select({ user: { id: users.id, email: users.email, name: users.name }, role: memberships.role })
    .from(users)
    .innerJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.organizationId, organizationId)))
    .where(eq(users.email, email))
    .limit(1);
  return found;
}
