// The SSO form's editable copy of a configuration and its role map, and the request bodies made
// from it. Lists are typed as comma-separated text; empty endpoint overrides are left out.
import { MAP_ROLES, type MapRole, type OidcMap, type SsoConfiguration, type SsoEndpoints, type SsoInput, splitList } from './sso.ts';

export interface SsoDraft {
  discoveryUrl: string;
  clientId: string;
  /** "back": a confidential client with a secret; "front": a public client (PKCE only). */
  clientType: 'back' | 'front';
  /** Write-only: empty keeps the stored secret. */
  clientSecret: string;
  endpoints: SsoEndpoints;
  domain: string;
  domainAliases: string;
  scopes: string;
  groupClaims: string;
  autoAddMember: boolean;
  enforceSso: boolean;
  groups: Record<MapRole, string>;
}

/** The form's values for a stored configuration, or a new one's defaults. */
export function draftOf(configuration: SsoConfiguration | null, map: OidcMap): SsoDraft {
  const oidc = configuration?.oidc;
  const client = oidc?.back ?? oidc?.front ?? {};
  const tokenEndpoint = oidc?.back?.tokenEndpoint ?? '';
  return {
    discoveryUrl: oidc?.discoveryUrl ?? '',
    clientId: oidc?.clientId ?? '',
    clientType: oidc?.front ? 'front' : 'back',
    clientSecret: '',
    endpoints: {
      issuer: client.issuer ?? '',
      authorizationEndpoint: client.authorizationEndpoint ?? '',
      tokenEndpoint,
      jwksUri: client.jwksUri ?? '',
    },
    domain: oidc?.domain ?? '',
    domainAliases: (oidc?.domainAliases ?? []).join(', '),
    scopes: (oidc?.scopes ?? ['profile', 'groups']).join(', '),
    groupClaims: (configuration?.groupClaims ?? ['groups']).join(', '),
    autoAddMember: configuration?.autoAddMember ?? false,
    enforceSso: configuration?.enforceSso ?? false,
    groups: Object.fromEntries(MAP_ROLES.map((role) => [role, map.entries[role] ?? ''])) as Record<MapRole, string>,
  };
}

/** Only the overrides that were typed in. */
function overrides(endpoints: SsoEndpoints, names: readonly (keyof SsoEndpoints)[]): Partial<SsoEndpoints> {
  return Object.fromEntries(names.map((name) => [name, endpoints[name].trim()]).filter(([, value]) => value !== ''));
}

/** The PUT body of the configuration (the Worker checks every value). */
export function configurationInput(draft: SsoDraft): SsoInput {
  const back = draft.clientType === 'back';
  const client = back
    ? {
        back: {
          ...(draft.clientSecret !== '' ? { clientSecret: draft.clientSecret } : {}),
          ...overrides(draft.endpoints, ['issuer', 'authorizationEndpoint', 'tokenEndpoint', 'jwksUri']),
        },
      }
    : { front: overrides(draft.endpoints, ['issuer', 'authorizationEndpoint', 'jwksUri']) };
  return {
    autoAddMember: draft.autoAddMember,
    enforceSso: draft.enforceSso,
    groupClaims: splitList(draft.groupClaims),
    oidc: {
      discoveryUrl: draft.discoveryUrl.trim(),
      clientId: draft.clientId.trim(),
      domain: draft.domain.trim(),
      domainAliases: splitList(draft.domainAliases),
      scopes: splitList(draft.scopes),
      ...client,
    },
  };
}

/** The PUT body of the role map: roles without groups are left out. */
export function mapInput(draft: SsoDraft): OidcMap {
  const entries: OidcMap['entries'] = {};
  for (const role of MAP_ROLES) {
    // Commas only: a provider's group names may hold spaces ("Audit Admins").
    const groups = draft.groups[role]
      .split(',')
      .map((group) => group.trim())
      .filter((group) => group !== '')
      .join(',');
    if (groups !== '') entries[role] = groups;
  }
  return { entries };
}
