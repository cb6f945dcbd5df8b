import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { call, json, type TestOrg, unique } from './api.ts';

export const ISSUER = env.OIDC_ISSUER;
export const TEST_SERVER = env.OIDC_TEST_SERVER;
export const CLIENT = { id: 'audit-logs', secret: 'audit-logs-client-secret-0123456789' };
const CALLBACK = 'http://localhost:8787/api/v1/auth/sso/callback';

/** A provider account carrying its own claims (test/setup/oidc-provider.ts): its id for ?account=. */
export function account(claims: { email: string; email_verified?: boolean; groups?: string[]; name?: string }): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ email_verified: true, ...claims }));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `x.${btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
}

/** A fresh domain nobody has claimed, e.g. `sso-lx2k-3.test-corp.com`. */
export const uniqueDomain = () => `${unique('sso').toLowerCase()}.corp-example.com`;

export interface SsoOptions {
  domain: string;
  domainAliases?: string[];
  /** The tampering proxy's mode for the token endpoint (`pass` changes nothing). */
  tokenMode?: string;
  front?: boolean;
  autoAddMember?: boolean;
  enforceSso?: boolean;
}

interface SsoBody {
  autoAddMember: boolean;
  enforceSso: boolean;
  groupClaims: string[];
  oidc: {
    discoveryUrl: string;
    clientId: string;
    domain: string;
    domainAliases: string[];
    scopes: string[];
    back?: { clientSecret?: string; tokenEndpoint?: string };
    front?: Record<string, string>;
  };
}

export function ssoBody(options: SsoOptions): SsoBody {
  const tokenEndpoint = `${TEST_SERVER}/token/${options.tokenMode ?? 'pass'}`;
  return {
    autoAddMember: options.autoAddMember ?? false,
    enforceSso: options.enforceSso ?? false,
    groupClaims: ['groups'],
    oidc: {
      discoveryUrl: `${ISSUER}/.well-known/openid-configuration`,
      clientId: options.front ? 'audit-logs-public' : CLIENT.id,
      domain: options.domain,
      domainAliases: options.domainAliases ?? [],
      scopes: ['profile', 'groups'],
      ...(options.front ? { front: {} } : { back: { clientSecret: CLIENT.secret, tokenEndpoint } }),
    },
  };
}

export async function configureSso(org: TestOrg, options: SsoOptions) {
  return json<Record<string, unknown>>(
    await call(`/api/v1/organizations/${org.orgId}/sso/configuration`, { method: 'PUT', token: org.ownerKey, body: ssoBody(options) }),
    200,
  );
}

/** The value of cookie `name` set by a response, or null. */
export function setCookieValue(response: Response, name: string): string | null {
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = ''] = cookie.split(';');
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1);
  }
  return null;
}

/** Follows the provider's redirects like a browser (its own cookies kept), logging in as `accountId`, until it sends us back. */
export async function throughProvider(authorizationUrl: string, accountId: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(CALLBACK)) return new URL(url);
    const target = new URL(url);
    if (target.pathname.startsWith('/interaction/') && !target.searchParams.has('account')) target.searchParams.set('account', accountId);
    const response = await fetch(target, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`the provider stopped at ${target} with ${response.status}: ${(await response.text()).slice(0, 300)}`);
    await response.body?.cancel();
    url = new URL(location, target).href;
  }
  throw new Error('too many redirects at the provider');
}

/** A GET through the Worker that does not follow redirects (as a browser's navigation is seen by the server). */
export function navigate(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://localhost:8787${path}`, { redirect: 'manual', headers }));
}

export interface Started {
  response: Response;
  location: string;
  handle: string | null;
}

export async function start(query: string, cookie?: string): Promise<Started> {
  const response = await navigate(`/api/v1/auth/sso/start?${query}`, cookie ? { cookie } : {});
  expect(response.status, response.status === 302 ? '' : await response.clone().text()).toBe(302);
  return { response, location: response.headers.get('location') ?? '', handle: setCookieValue(response, 'audit_sso') };
}

export async function callback(url: URL, handle: string | null, sessionCookie?: string): Promise<Response> {
  const cookies = [handle ? `audit_sso=${handle}` : '', sessionCookie ? `audit_session=${sessionCookie}` : ''].filter(Boolean).join('; ');
  return navigate(`${url.pathname}${url.search}`, cookies ? { cookie: cookies } : {});
}

/** The whole sign-in: start → provider (as `accountId`) → callback; the callback's response. */
export async function ssoSignIn(query: string, accountId: string, sessionCookie?: string) {
  const started = await start(query, sessionCookie ? `audit_session=${sessionCookie}` : undefined);
  expect(started.location.startsWith(ISSUER), started.location).toBe(true);
  const back = await throughProvider(started.location, accountId);
  const response = await callback(back, started.handle, sessionCookie);
  expect(response.status).toBe(302);
  return { response, location: response.headers.get('location') ?? '', session: setCookieValue(response, 'audit_session'), back, started };
}
