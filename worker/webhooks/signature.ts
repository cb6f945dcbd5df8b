import { toHex } from '../hex.ts';
/** `X-Audit-Signature-256: sha256=<hex HMAC-SHA256(secret, exact body bytes)>`, as GitHub signs its webhooks. */
export async function signatureHeader(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, body));
  return `sha256=${toHex(mac)}`;
}
