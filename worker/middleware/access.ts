import { createMiddleware } from 'hono/factory';
import { grantFor, type OrgGrant, type Principal } from '../auth/principal.ts';
import type { Database } from '../db/client.ts';
import type { KeyRole } from '../db/schema.ts';
import { forbidden, ssoRequired, unauthorized } from '../errors.ts';
import { getOrganization } from '../services/organizations/index.ts';
import type { AppEnv } from './app-env.ts';

/** Anything that carries the request's variables (a Context of any route). */
type WithVariables = { var: Readonly<AppEnv['Variables']> };

function requirePrincipal(c: WithVariables): Principal {
  const principal = c.var.principal;
  if (!principal) {
    throw unauthorized(
      c.var.sessionEnded
        ? 'The session has ended. Sign in again.'
        : 'Authentication required: send "Authorization: Bearer <API key>" or sign in.',
    );
  }
  return principal;
}

/**
 * The caller's grant in an organization when its role is one of `allowed`. Unknown organizations
 * and organizations the caller has no grant in both answer 403, so ids cannot be probed.
 */
function requireOrgRole(c: WithVariables, organizationId: string, allowed: readonly KeyRole[]): OrgGrant {
  const principal = requirePrincipal(c);
  const grant = grantFor(principal, organizationId);
  if (!grant && principal.ssoRequired.includes(organizationId)) throw ssoRequired(organizationId);
  if (!grant) throw forbidden(`You have no access to organization ${organizationId}.`);
  if (!allowed.includes(grant.role)) {
    throw forbidden(`This requires one of the roles ${allowed.join(', ')}; your role here is ${grant.role}.`);
  }
  return grant;
}

/** What a route guarded by `orgAccess` knows about its caller. */
export interface OrgAccessEnv extends AppEnv {
  Variables: AppEnv['Variables'] & {
    caller: Principal;
    grant: OrgGrant;
    /** The shard database of the organization in the path (its events, counters, deliveries, archives), in this request's D1 session. */
    shardDb: Database;
  };
}

/**
 * Route middleware for `/organizations/{orgId}/…`: authorizes the caller before the request's
 * parameters and body are validated, so an anonymous or unauthorized request gets 401/403 and
 * never a validation answer about a body it may not send.
 */
export function orgAccess(allowed: readonly KeyRole[]) {
  return createMiddleware<OrgAccessEnv>(async (c, next) => {
    const organizationId = c.req.param('orgId') ?? '';
    c.set('grant', requireOrgRole(c, organizationId, allowed));
    const caller = requirePrincipal(c);
    // Other callers' grants come from rows of existing organizations; the platform admin's do not.
    if (caller.grants === 'all') await getOrganization(c.var.db, organizationId);
    c.set('caller', caller);
    c.set('shardDb', await c.var.shardDbFor(organizationId));
    await next();
  });
}

export interface SignedInEnv extends AppEnv {
  Variables: AppEnv['Variables'] & { caller: Principal };
}

/** Route middleware for routes that need any authenticated caller. */
export const signedIn = createMiddleware<SignedInEnv>(async (c, next) => {
  c.set('caller', requirePrincipal(c));
  await next();
});

export const READERS = ['owner', 'admin', 'auditor', 'member'] as const;
export const MANAGERS = ['owner', 'admin'] as const;
export const OWNERS = ['owner'] as const;
/** Who reads audit logs, exports, the stream and archives. */
export const AUDIT_READERS = ['owner', 'auditor'] as const;
export const EVENT_WRITERS = ['owner', 'admin', 'ingest'] as const;
