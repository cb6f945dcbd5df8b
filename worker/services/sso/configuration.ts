import { and, eq, inArray, ne } from 'drizzle-orm';
import { checkSsoUrl, type OidcSettings } from '../../auth/oidc-client.ts';
import type { OidcMap, SsoConfiguration, SsoConfigurationChange } from '../../contract/sso.ts';
import type { Database } from '../../db/client.ts';
import { ssoConfigurations, ssoDomains } from '../../db/schema.ts';
import { ApiError, invalid, invalidField, notFound } from '../../errors.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { decryptSecret, encryptSecret } from '../../webhooks/secret-box.ts';
import { recordChangeStatements } from '../event-store/index.ts';

/** What the SSO code needs from the deployment: the key of client secrets at rest and the insecure-http rule. */
export interface SsoDeployment {
  secretKey: string;
  allowInsecure: boolean;
}

type StoredOidc = SsoConfiguration['oidc'];

function parseJson<T>(json: string, fallback: T): T {
  try {
    return JSON.parse(json) as T;
  } catch {
    return fallback;
  }
}

const noConfiguration = (organizationId: string) => notFound(`Organization ${organizationId} has no SSO configuration.`);

async function row(db: Database, organizationId: string) {
  const [found] = await db.select().from(ssoConfigurations).where(eq(ssoConfigurations.organizationId, organizationId)).limit(1);
  return found;
}

function view(found: typeof ssoConfigurations.$inferSelect): SsoConfiguration {
  return {
    autoAddMember: found.autoAddMember,
    oidc: parseJson<StoredOidc>(found.oidcJson, {} as StoredOidc),
    groupClaims: parseJson<string[]>(found.groupClaims, ['groups']),
    enforceSso: found.enforceSso,
  };
}

/** The configuration without its client secret; 404 when the organization has none. */
export async function getSsoConfiguration(db: Database, organizationId: string): Promise<SsoConfiguration> {
  const found = await row(db, organizationId);
  if (!found) throw noConfiguration(organizationId);
  return view(found);
}

/** Every URL of the configuration must pass the deployment's rule (https; http to localhost only when allowed). */
function checkUrls(oidc: SsoConfigurationChange['oidc'], allowInsecure: boolean): void {
  const urls: [string, string | undefined][] = [
    ['oidc/discoveryUrl', oidc.discoveryUrl],
    ...Object.entries(oidc.back ?? oidc.front ?? {})
      .filter(([name]) => name !== 'clientSecret')
      .map(([name, value]): [string, string | undefined] => [`oidc/${oidc.back ? 'back' : 'front'}/${name}`, value]),
  ];
  const errors = urls.flatMap(([pointer, value]) => {
    if (value === undefined) return [];
    const verdict = checkSsoUrl(value, allowInsecure);
    return verdict.ok ? [] : [{ pointer, detail: verdict.reason }];
  });
  if (errors.length > 0) throw invalid('The request body has invalid fields.', errors);
}

/** What changed, for the event (never the secret itself). */
function describeChange(before: SsoConfiguration | null, after: SsoConfiguration, secretReplaced: boolean): string[] {
  if (!before) return [`for ${[after.oidc.domain, ...after.oidc.domainAliases].join(', ')}`];
  const changed: string[] = [];
  if (before.enforceSso !== after.enforceSso) changed.push(`enforceSso from ${before.enforceSso} to ${after.enforceSso}`);
  if (before.autoAddMember !== after.autoAddMember) changed.push(`autoAddMember from ${before.autoAddMember} to ${after.autoAddMember}`);
  const domains = (c: SsoConfiguration) => [c.oidc.domain, ...c.oidc.domainAliases].join(', ');
  if (domains(before) !== domains(after)) changed.push(`domains from ${domains(before)} to ${domains(after)}`);
  if (JSON.stringify({ ...before.oidc, domain: 0, domainAliases: 0 }) !== JSON.stringify({ ...after.oidc, domain: 0, domainAliases: 0 }))
    changed.push('the provider settings');
  if (JSON.stringify(before.groupClaims) !== JSON.stringify(after.groupClaims)) changed.push('groupClaims');
  if (secretReplaced) changed.push('the client secret');
  return changed;
}

/**
 * Creates or replaces the configuration. A `back` client without `clientSecret` keeps the stored
 * secret (422 when there is none); a domain another organization has is a 409. Recorded as an event.
 */
export async function putSsoConfiguration(
  db: Database,
  organizationId: string,
  input: SsoConfigurationChange,
  context: ChangeContext,
  deployment: SsoDeployment,
): Promise<SsoConfiguration> {
  checkUrls(input.oidc, deployment.allowInsecure);
  const domains = [...new Set([input.oidc.domain, ...input.oidc.domainAliases])];
  const existing = await row(db, organizationId);
  let ciphertext: string | null = null;
  if (input.oidc.back) {
    if (input.oidc.back.clientSecret !== undefined) {
      ciphertext = await encryptSecret(deployment.secretKey, organizationId, input.oidc.back.clientSecret, 'SSO_SECRET_KEY');
    } else if (existing?.clientSecretCiphertext) {
      ciphertext = existing.clientSecretCiphertext;
    } else {
      throw invalidField('oidc/back/clientSecret', 'is required: no client secret is stored yet');
    }
  }
  const taken = await db
    .select({ domain: ssoDomains.domain })
    .from(ssoDomains)
    .where(and(inArray(ssoDomains.domain, domains), ne(ssoDomains.organizationId, organizationId)));
  if (taken.length > 0) throw domainTaken(taken.map((t) => t.domain));
  const { clientSecret: _secret, ...back } = input.oidc.back ?? {};
  const oidc: StoredOidc = {
    ...input.oidc,
    domainAliases: domains.slice(1),
    back: input.oidc.back ? back : undefined,
  };
  const after: SsoConfiguration = {
    autoAddMember: input.autoAddMember,
    oidc,
    groupClaims: input.groupClaims,
    enforceSso: input.enforceSso,
  };
  const before = existing ? view(existing) : null;
  const changed = describeChange(before, after, input.oidc.back?.clientSecret !== undefined && existing !== undefined);
  const values = {
    organizationId,
    autoAddMember: input.autoAddMember,
    enforceSso: input.enforceSso,
    oidcJson: JSON.stringify(oidc),
    clientSecretCiphertext: ciphertext,
    groupClaims: JSON.stringify(input.groupClaims),
    updatedAt: context.now,
  };
  const event = managementEvent(context, {
    action: before ? 'update' : 'create',
    objectType: 'sso_configuration',
    objectName: 'sso-configuration',
    message: before ? `Changed the SSO configuration: ${changed.join(', ') || 'nothing'}` : `Configured SSO ${changed.join('')}`,
    extra: { domains, enforceSso: input.enforceSso, autoAddMember: input.autoAddMember },
  });
  try {
    await db.batch([
      db
        .insert(ssoConfigurations)
        .values({ ...values, createdAt: context.now })
        .onConflictDoUpdate({ target: ssoConfigurations.organizationId, set: values }),
      db.delete(ssoDomains).where(eq(ssoDomains.organizationId, organizationId)),
      ...domains.map((domain) => db.insert(ssoDomains).values({ domain, organizationId })),
      ...(before && changed.length === 0 ? [] : await recordChangeStatements(db, organizationId, [event], context.now)),
    ]);
  } catch (error) {
    // Another organization claimed one of the domains since the check above (primary key of sso_domains).
    if (String(error).includes('UNIQUE') || String(error).includes('PRIMARY')) throw domainTaken(domains);
    throw error;
  }
  return after;
}

function domainTaken(domains: string[]): ApiError {
  return new ApiError(
    'sso-domain-taken',
    `Another organization signs in people of ${domains.join(', ')} already: a domain leads to one organization.`,
  );
}

/** Removes the configuration and its domains (the organization's members sign in other ways again). */
export async function deleteSsoConfiguration(db: Database, organizationId: string, context: ChangeContext): Promise<void> {
  const existing = await row(db, organizationId);
  if (!existing) throw noConfiguration(organizationId);
  const event = managementEvent(context, {
    action: 'delete',
    objectType: 'sso_configuration',
    objectName: 'sso-configuration',
    message: 'Removed the SSO configuration',
  });
  await db.batch([
    db.delete(ssoDomains).where(eq(ssoDomains.organizationId, organizationId)),
    db.delete(ssoConfigurations).where(eq(ssoConfigurations.organizationId, organizationId)),
    ...(await recordChangeStatements(db, organizationId, [event], context.now)),
  ]);
}

export async function getOidcMap(db: Database, organizationId: string): Promise<OidcMap> {
  const found = await row(db, organizationId);
  if (!found) throw noConfiguration(organizationId);
  return { entries: parseJson<OidcMap['entries']>(found.oidcMapJson, {}) };
}

/** Replaces the role map; it lives in the SSO configuration, so without one it is a 404 (configure SSO first). */
export async function putOidcMap(db: Database, organizationId: string, map: OidcMap, context: ChangeContext): Promise<OidcMap> {
  const found = await row(db, organizationId);
  if (!found) throw noConfiguration(organizationId);
  const entries = Object.fromEntries(Object.entries(map.entries).filter(([, groups]) => groups !== undefined && groups !== ''));
  const event = managementEvent(context, {
    action: 'update',
    objectType: 'sso_configuration',
    objectName: 'oidc-map',
    message: `Changed the OIDC role map: ${
      Object.entries(entries)
        .map(([role, groups]) => `${role} ← ${groups}`)
        .join('; ') || 'empty'
    }`,
    extra: { entries },
  });
  await db.batch([
    db
      .update(ssoConfigurations)
      .set({ oidcMapJson: JSON.stringify(entries), updatedAt: context.now })
      .where(eq(ssoConfigurations.organizationId, organizationId)),
    ...(await recordChangeStatements(db, organizationId, [event], context.now)),
  ]);
  return { entries };
}

/** The organization whose SSO an email domain leads to, if any. */
export async function organizationForDomain(db: Database, domain: string): Promise<string | null> {
  const [found] = await db
    .select({ organizationId: ssoDomains.organizationId })
    .from(ssoDomains)
    .where(eq(ssoDomains.domain, domain))
    .limit(1);
  return found?.organizationId ?? null;
}

/** What a sign-in needs: the provider settings with the secret decrypted, the domains, claims and the role map. */
export async function signInSettings(db: Database, organizationId: string, deployment: SsoDeployment) {
  const found = await row(db, organizationId);
  if (!found) return null;
  const configuration = view(found);
  const endpoints = configuration.oidc.back ?? configuration.oidc.front ?? {};
  const provider: OidcSettings = {
    discoveryUrl: configuration.oidc.discoveryUrl,
    clientId: configuration.oidc.clientId,
    clientSecret: found.clientSecretCiphertext
      ? await decryptSecret(deployment.secretKey, organizationId, found.clientSecretCiphertext, 'SSO_SECRET_KEY')
      : null,
    overrides: endpoints,
    scopes: configuration.oidc.scopes,
  };
  return {
    provider,
    configuration,
    domains: [configuration.oidc.domain, ...configuration.oidc.domainAliases],
    oidcMap: parseJson<OidcMap['entries']>(found.oidcMapJson, {}),
  };
}
