// The SSO settings page's view of the API (docs/SSO.md): the organization's OpenID Connect
// configuration and its role map, and the form's conversions between lists and typed text.
import type { OidcMap, SsoConfiguration, SsoConfigurationChange } from '../../../../worker/contract/sso.ts';
import { api, type Fetch, type FieldProblem, isApiProblem } from '../shell/api.ts';
import { type FieldWords, fieldMessage } from '../shell/field-errors.ts';

export type { OidcMap, SsoConfiguration };

/** What the form sends: the Worker's input shape (its defaults filled in by the form). */
export type SsoInput = SsoConfigurationChange;

/** The provider endpoints a configuration may override; empty text: from the discovery URL. */
export interface SsoEndpoints {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

export const MAP_ROLES = ['owner', 'admin', 'auditor', 'member'] as const;
export type MapRole = (typeof MAP_ROLES)[number];

const configurationPath = (orgId: string) => `/organizations/${encodeURIComponent(orgId)}/sso/configuration`;
const mapPath = (orgId: string) => `/organizations/${encodeURIComponent(orgId)}/oidc-map`;

/** The configuration, or null when the organization has none yet (404). */
export async function fetchSsoConfiguration(fetchFn: Fetch, orgId: string): Promise<SsoConfiguration | null> {
  try {
    return await api<SsoConfiguration>(fetchFn, configurationPath(orgId));
  } catch (cause) {
    if (isApiProblem(cause, 404)) return null;
    throw cause;
  }
}

/** The role map, or an empty one when there is no configuration (404). */
export async function fetchOidcMap(fetchFn: Fetch, orgId: string): Promise<OidcMap> {
  try {
    return await api<OidcMap>(fetchFn, mapPath(orgId));
  } catch (cause) {
    if (isApiProblem(cause, 404)) return { entries: {} };
    throw cause;
  }
}

export function saveSsoConfiguration(fetchFn: Fetch, orgId: string, input: SsoInput): Promise<SsoConfiguration> {
  return api<SsoConfiguration>(fetchFn, configurationPath(orgId), { method: 'PUT', body: input });
}

export function saveOidcMap(fetchFn: Fetch, orgId: string, map: OidcMap): Promise<OidcMap> {
  return api<OidcMap>(fetchFn, mapPath(orgId), { method: 'PUT', body: map });
}

export function removeSsoConfiguration(fetchFn: Fetch, orgId: string): Promise<void> {
  return api<undefined>(fetchFn, configurationPath(orgId), { method: 'DELETE' });
}

/** "a, b,,c " → ["a", "b", "c"]: the form's comma- or space-separated lists. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Where "Test sign-in" goes: the Worker's SSO start for this organization, as a test (no session). */
export function testSignInHref(orgId: string): string {
  return `/api/v1/auth/sso/start?${new URLSearchParams({ organizationId: orgId, test: '1' })}`;
}

/** The outcome of a "Test sign-in" that the Worker put in the page's query string, if any. */
export type TestOutcome = { ok: true; email: string; role: string } | { ok: false; message: string };

export function testOutcome(params: Pick<URLSearchParams, 'get'>): TestOutcome | null {
  const test = params.get('test');
  if (test === 'ok') return { ok: true, email: params.get('email') ?? '', role: params.get('role') ?? '' };
  if (test === 'failed') return { ok: false, message: params.get('message') ?? 'The test sign-in failed.' };
  return null;
}

/** How the SSO form speaks of its fields, by problem pointer (the longest one that starts a pointer wins). */
const SSO_FIELDS: Record<string, FieldWords> = {
  'oidc/discoveryUrl': {
    label: 'Discovery URL',
    required: "Enter the provider's discovery URL.",
    rule: "Enter the provider's https:// issuer URL or its /.well-known/openid-configuration.",
  },
  'oidc/clientId': {
    label: 'Client ID',
    required: 'Enter the client ID your provider gave this app.',
    rule: 'Enter a client ID of 1 to 512 characters.',
  },
  'oidc/back/clientSecret': { label: 'Client secret', required: 'Enter the client secret your provider gave this app.' },
  'oidc/back': { label: 'Endpoint', rule: 'Enter an https:// URL of the provider.' },
  'oidc/front': { label: 'Endpoint', rule: 'Enter an https:// URL of the provider.' },
  'oidc/domain': {
    label: 'Email domain',
    required: 'Enter the email domain of your people, such as example.com.',
    rule: 'Enter a domain such as example.com.',
  },
  'oidc/domainAliases': { label: 'Other domains', rule: 'Enter domains such as example.org, separated by commas.' },
  'oidc/scopes': { label: 'Scopes', rule: 'Enter scopes such as openid, email, profile, separated by commas.' },
  groupClaims: { label: 'Group claims', rule: 'Enter claim names such as groups, separated by commas.' },
  entries: { label: 'Groups', rule: 'Enter group names separated by commas (up to 2,000 characters).' },
};

/** A 422's field problems by pointer, in words ("oidc/discoveryUrl" → "Enter the provider's …"). */
export function ssoFieldErrors(errors: readonly FieldProblem[] | undefined): Record<string, string> {
  const found: Record<string, string> = {};
  for (const error of errors ?? []) {
    const pointer = error.pointer.replace(/^\//, '');
    const start = Object.keys(SSO_FIELDS)
      .filter((key) => pointer === key || pointer.startsWith(`${key}/`))
      .sort((a, b) => b.length - a.length)[0];
    const words = (start && SSO_FIELDS[start]) || { label: pointer.split('/').at(-1) ?? 'This field' };
    found[pointer] ??= fieldMessage(error, words);
  }
  return found;
}
