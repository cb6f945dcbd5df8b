/**
 * Secrets at rest: AES-256-GCM under a deployment secret (WEBHOOK_SECRET_KEY for webhook secrets,
 * SSO_SECRET_KEY for SSO client secrets), a random 96-bit IV per encryption, and the owning row's
 * id as additional data, so a ciphertext copied onto another config does not decrypt. Stored as
 * `v1.<iv>.<ciphertext>` (base64url).
 */
import { base64Url, fromBase64Url } from '../auth/secrets.ts';

const VERSION = 'v1';
const keys = new Map<string, Promise<CryptoKey>>();

/** Which deployment secret a key comes from: named in the error when it is missing or malformed. */
export type SecretKeyName = 'WEBHOOK_SECRET_KEY' | 'SSO_SECRET_KEY';

function importKey(keyBase64: string, keyName: SecretKeyName): Promise<CryptoKey> {
  let key = keys.get(keyBase64);
  if (!key) {
    let raw: Uint8Array;
    try {
      raw = Uint8Array.from(atob(keyBase64.trim()), (char) => char.charCodeAt(0));
    } catch {
      raw = new Uint8Array();
    }
    // A missing or malformed key is an operator error: say which secret, never its value.
    if (raw.byteLength !== 32) throw new Error(`${keyName} must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(keyBase64, key);
  }
  return key;
}

export async function encryptSecret(
  keyBase64: string,
  configId: string,
  secret: string,
  keyName: SecretKeyName = 'WEBHOOK_SECRET_KEY',
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = new TextEncoder().encode(configId);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData },
    await importKey(keyBase64, keyName),
    new TextEncoder().encode(secret),
  );
  return `${VERSION}.${base64Url(iv)}.${base64Url(new Uint8Array(sealed))}`;
}

export async function decryptSecret(
  keyBase64: string,
  configId: string,
  stored: string,
  keyName: SecretKeyName = 'WEBHOOK_SECRET_KEY',
): Promise<string> {
  const [version, iv, sealed] = stored.split('.');
  if (version !== VERSION || !iv || !sealed) throw new Error(`secret of ${configId} has an unknown format`);
  const additionalData = new TextEncoder().encode(configId);
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(iv), additionalData },
    await importKey(keyBase64, keyName),
    fromBase64Url(sealed),
  );
  return new TextDecoder().decode(plain);
}
