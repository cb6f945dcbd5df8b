/**
 * The OpenID Connect relying party of organization SSO (docs/SSO.md): discovery, the authorization
 * request (code flow, PKCE S256, state, nonce) and the code exchange with oauth4webapi, and the ID
 * token's signature checked with jose against the provider's JWKS (oauth4webapi checks iss, aud,
 * exp, iat and nonce of the ID token but not its signature). No SQL here: the sso service stores
 * the state and decides who the person is.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { checkWebhookUrl } from '../webhooks/url-policy.ts';

/** The provider settings of one organization, with its client secret decrypted (null: a public client). */
export interface OidcSettings {
  discoveryUrl: string;
  clientId: string;
  clientSecret: string | null;
  overrides: { issuer?: string; authorizationEndpoint?: string; tokenEndpoint?: string; jwksUri?: string };
  scopes: string[];
}

/** A sign-in that cannot go on; `code` goes into the sign-in page's URL, `message` is shown to the person. */
export class SsoFailure extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'SsoFailure';
  }
}

const WELL_KNOWN = '/.well-known/openid-configuration';
/** ID tokens signed otherwise (HS256 with a shared secret, `none`) are refused. */
const ALGORITHMS = ['RS256', 'ES256'];
const DISCOVERY_TTL_MS = 5 * 60 * 1000;
const discoveries = new Map<string, { at: number; server: oauth.AuthorizationServer }>();
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** The URL rule of every address the Worker fetches for SSO: the webhooks' SSRF rule (https; http to localhost only when allowed). */
export function checkSsoUrl(raw: string, allowInsecure: boolean): { ok: true; url: string } | { ok: false; reason: string } {
  return checkWebhookUrl(raw, { allowInsecure });
}

function issuerOf(discoveryUrl: string): URL {
  const url = new URL(discoveryUrl);
  if (url.pathname.endsWith(WELL_KNOWN)) url.pathname = url.pathname.slice(0, -WELL_KNOWN.length) || '/';
  url.search = '';
  url.hash = '';
  // An issuer with no path is written without the trailing slash (as providers publish it).
  return new URL(url.href.replace(/\/$/, ''));
}

function requestOptions(allowInsecure: boolean) {
  return { [oauth.allowInsecureRequests]: allowInsecure, signal: AbortSignal.timeout(10_000) };
}

/** The provider's metadata (cached 5 minutes), with the configuration's overrides on top. */
async function authorizationServer(settings: OidcSettings, allowInsecure: boolean): Promise<oauth.AuthorizationServer> {
  const cached = discoveries.get(settings.discoveryUrl);
  let server = cached && Date.now() - cached.at < DISCOVERY_TTL_MS ? cached.server : undefined;
  if (!server) {
    try {
      const issuer = issuerOf(settings.discoveryUrl);
      const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(allowInsecure) });
      server = await oauth.processDiscoveryResponse(issuer, response);
    } catch (error) {
      throw new SsoFailure('provider-unavailable', `The identity provider's discovery document could not be read (${describe(error)}).`);
    }
    discoveries.set(settings.discoveryUrl, { at: Date.now(), server });
  }
  const { issuer, authorizationEndpoint, tokenEndpoint, jwksUri } = settings.overrides;
  const merged: oauth.AuthorizationServer = {
    ...server,
    issuer: issuer ?? server.issuer,
    authorization_endpoint: authorizationEndpoint ?? server.authorization_endpoint,
    token_endpoint: tokenEndpoint ?? server.token_endpoint,
    jwks_uri: jwksUri ?? server.jwks_uri,
  };
  for (const [name, value] of Object.entries({
    authorization_endpoint: merged.authorization_endpoint,
    token_endpoint: merged.token_endpoint,
    jwks_uri: merged.jwks_uri,
  })) {
    const verdict = value ? checkSsoUrl(value, allowInsecure) : { ok: false as const, reason: 'is missing' };
    if (!verdict.ok) throw new SsoFailure('provider-misconfigured', `The identity provider's ${name} ${verdict.reason}.`);
  }
  return merged;
}

/** What is kept between the redirect to the provider and its answer. */
export interface AuthorizationState {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

/** The provider URL to send the browser to, and the state to keep (single use) until it comes back. */
export async function authorizationRequest(
  settings: OidcSettings,
  redirectUri: string,
  loginHint: string | null,
  allowInsecure: boolean,
): Promise<{ url: string; kept: AuthorizationState }> {
  const server = await authorizationServer(settings, allowInsecure);
  const kept = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    redirectUri,
  };
  const url = new URL(server.authorization_endpoint ?? '');
  const scopes = [...new Set(['openid', 'email', ...settings.scopes])];
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', scopes.join(' '));
  url.searchParams.set('state', kept.state);
  url.searchParams.set('nonce', kept.nonce);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(kept.codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (loginHint) url.searchParams.set('login_hint', loginHint);
  return { url: url.href, kept };
}

function describe(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`.slice(0, 300);
  }
  return error instanceof Error ? error.message.slice(0, 300) : 'unknown error';
}

/**
 * The provider's answer at the callback → the verified claims of the ID token. Throws SsoFailure
 * for an error answer (access_denied…), a code the provider refuses, and any ID token that is not
 * signed by the provider's key (RS256/ES256) for this client with the nonce of this sign-in.
 */
export async function verifiedClaims(
  settings: OidcSettings,
  callback: URL,
  kept: AuthorizationState,
  allowInsecure: boolean,
): Promise<Record<string, unknown>> {
  const server = await authorizationServer(settings, allowInsecure);
  const client: oauth.Client = { client_id: settings.clientId };
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(server, client, callback, kept.state);
  } catch (error) {
    const denied = error instanceof oauth.AuthorizationResponseError;
    throw new SsoFailure(denied ? 'provider-refused' : 'bad-response', `The identity provider did not sign you in (${describe(error)}).`);
  }
  const clientAuth = settings.clientSecret === null ? oauth.None() : oauth.ClientSecretBasic(settings.clientSecret);
  let idToken: string;
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      clientAuth,
      parameters,
      kept.redirectUri,
      kept.codeVerifier,
      requestOptions(allowInsecure),
    );
    const result = await oauth.processAuthorizationCodeResponse(server, client, response, {
      expectedNonce: kept.nonce,
      requireIdToken: true,
    });
    idToken = result.id_token ?? '';
  } catch (error) {
    throw new SsoFailure('token-rejected', `The identity provider's answer was not accepted (${describe(error)}).`);
  }
  return verifySignature(idToken, server, settings.clientId, kept.nonce);
}

async function verifySignature(idToken: string, server: oauth.AuthorizationServer, clientId: string, nonce: string) {
  const jwksUri = server.jwks_uri ?? '';
  let keySet = keySets.get(jwksUri);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 10_000 });
    keySets.set(jwksUri, keySet);
  }
  try {
    const { payload } = await jwtVerify(idToken, keySet, {
      issuer: server.issuer,
      audience: clientId,
      algorithms: ALGORITHMS,
      clockTolerance: 60,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    if (payload.nonce !== nonce) throw new Error('the nonce is not the one of this sign-in');
    return payload as Record<string, unknown>;
  } catch (error) {
    throw new SsoFailure('token-rejected', `The ID token was not accepted (${describe(error)}).`);
  }
}
