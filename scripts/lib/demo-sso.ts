/**
 * `npm start`'s SSO: Acme signs in people of example.com through the local OpenID provider
 * (scripts/lib/oidc-provider.ts) as a confidential client, with a role map matching the demo
 * people's groups. Create-or-replace, and only when it differs from what is stored, so a restart
 * records no change (a new OIDC_PORT does: the discovery URL moved).
 */
import { ApiClient } from './api-client.ts';
import { CONFIDENTIAL_CLIENT, DEMO_OIDC_MAP } from './oidc-provider.ts';

interface StoredConfiguration {
  oidc: { discoveryUrl: string; clientId: string; domain: string; back?: object };
}

export async function configureDemoSso(
  baseUrl: string,
  demo: { organizationId: string; ownerApiKey: string },
  issuer: string,
  log: (line: string) => void,
): Promise<void> {
  const owner = new ApiClient(baseUrl, demo.ownerApiKey);
  const path = `/api/v1/organizations/${demo.organizationId}`;
  const stored = await owner.request<StoredConfiguration | null>('GET', `${path}/sso/configuration`, undefined, [200, 404]);
  const current = stored.status === 200 ? stored.body?.oidc : undefined;
  const same =
    current?.discoveryUrl === issuer && current.clientId === CONFIDENTIAL_CLIENT.id && current.domain === 'example.com' && current.back;
  if (!same) {
    await owner.request('PUT', `${path}/sso/configuration`, {
      autoAddMember: false,
      enforceSso: false,
      groupClaims: ['groups'],
      oidc: {
        discoveryUrl: issuer,
        clientId: CONFIDENTIAL_CLIENT.id,
        domain: 'example.com',
        domainAliases: [],
        back: { clientSecret: CONFIDENTIAL_CLIENT.secret },
        scopes: ['profile', 'groups'],
      },
    });
    log(`Configured Acme's SSO with the local OpenID provider (${issuer}).`);
  }
  const map = await owner.get<{ entries: Record<string, string> }>(`${path}/oidc-map`);
  const roles = Object.keys({ ...map.entries, ...DEMO_OIDC_MAP }) as (keyof typeof DEMO_OIDC_MAP)[];
  if (roles.some((role) => map.entries[role] !== DEMO_OIDC_MAP[role])) {
    await owner.request('PUT', `${path}/oidc-map`, { entries: DEMO_OIDC_MAP });
  }
}
