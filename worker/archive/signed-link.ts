import type { ActorType } from '../auth/principal.ts';
import { base64Url, timingSafeEqualText } from '../auth/secrets.ts';
import type { CredentialType } from '../contract/enums.ts';

export const LINK_TTL_SECONDS = 15 * 60;

export type LinkFile = 'zip' | 'manifest' | 'signature';

/** What a download link grants: one file of one archive revision, until `expires` (Unix seconds). */
export interface LinkClaims {
  organizationId: string;
  startDate: string;
  revision: number;
  file: LinkFile;
  expires: number;
  /** Who the link was issued to: the download is recorded as their action. */
  actorType: ActorType;
  actorId: string;
  /** How they authenticated when the link was issued: recorded as the download's `credential`. */
  credentialType: CredentialType;
  credentialId: string;
}

/** The signed text. v2 added the credential; v1 links (15 minutes) simply stopped being valid. */
function canonical(claims: LinkClaims): string {
  return [
    'v2',
    claims.organizationId,
    claims.startDate,
    String(claims.revision),
    claims.file,
    String(claims.expires),
    claims.actorType,
    claims.actorId,
    claims.credentialType,
    claims.credentialId,
  ].join('\n');
}

async function hmac(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return base64Url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text))));
}

function linkPath(claims: Pick<LinkClaims, 'organizationId' | 'startDate' | 'revision' | 'file'>): string {
  return `/api/v1/archive-downloads/${encodeURIComponent(claims.organizationId)}/${claims.startDate}/${claims.revision}/${claims.file}`;
}

/** An absolute, HMAC-SHA256-signed, expiring URL that needs no other credential. */
export async function signLink(origin: string, secret: string, claims: LinkClaims): Promise<string> {
  const query = new URLSearchParams({
    expires: String(claims.expires),
    actorType: claims.actorType,
    actorId: claims.actorId,
    credentialType: claims.credentialType,
    credentialId: claims.credentialId,
    signature: await hmac(secret, canonical(claims)),
  });
  return `${origin}${linkPath(claims)}?${query}`;
}

export type LinkCheck = { ok: true } | { ok: false; reason: string };

export async function checkLink(secret: string, claims: LinkClaims, signature: string, nowSeconds: number): Promise<LinkCheck> {
  // Signature first, in constant time, so a forged link learns nothing from the answer.
  if (!timingSafeEqualText(signature, await hmac(secret, canonical(claims))))
    return { ok: false, reason: 'The download link is not valid (it was altered or truncated).' };
  if (claims.expires < nowSeconds) return { ok: false, reason: 'The download link has expired; list the archives again for a fresh one.' };
  return { ok: true };
}
