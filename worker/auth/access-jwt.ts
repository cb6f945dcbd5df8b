/**
 * Cloudflare Access (docs/SSO.md, "Cloudflare Access"): the `Cf-Access-Jwt-Assertion` header is a
 * JWT Access signs for the person it let through. Verified against the team's published keys
 * (`https://<team domain>/cdn-cgi/access/certs`), issuer = the team domain, audience containing
 * the application's AUD tag, RS256 only.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { sha256Hex } from './secrets.ts';

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** Plain http only for a local team domain when the deployment allows it (tests, npm start). */
function teamOrigin(teamDomain: string, allowInsecure: boolean): string {
  const local = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(teamDomain);
  return `${local && allowInsecure ? 'http' : 'https'}://${teamDomain}`;
}

/** The verified email and credential id of an Access token; throws on anything else. */
export async function verifyAccessToken(
  token: string,
  access: { teamDomain: string; audience: string },
  allowInsecure: boolean,
): Promise<{ email: unknown; credentialId: string }> {
  const origin = teamOrigin(access.teamDomain, allowInsecure);
  let keySet = keySets.get(origin);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(`${origin}/cdn-cgi/access/certs`), { timeoutDuration: 10_000 });
    keySets.set(origin, keySet);
  }
  const { payload } = await jwtVerify(token, keySet, {
    issuer: origin,
    audience: access.audience,
    algorithms: ['RS256'],
    clockTolerance: 60,
    requiredClaims: ['exp'],
  });
  // The credential names the Access identity (its sub) or, without one, a short hash of the token: never the token.
  const credentialId =
    typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub.slice(0, 128) : (await sha256Hex(token)).slice(0, 16);
  return { email: payload.email, credentialId };
}
