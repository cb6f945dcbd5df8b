import { base64Url } from '../auth/secrets.ts';

export interface ManifestFile {
  name: string;
  sha256: string;
  records: number;
}

/** The signed manifest (docs/ARCHITECTURE.md, "The archive path"). Key order here is the order of the serialised bytes, which are what is signed. */
export interface Manifest {
  version: 1;
  organizationId: string;
  startDate: string;
  endDate: string;
  revision: number;
  generatedAt: string;
  archive: { sha256: string; bytes: number; records: number };
  files: ManifestFile[];
  previousManifestSha256: string | null;
  /**
   * chain(n) at the week's highest sequence n (docs/INTEGRITY.md): absent in manifests built before
   * the hash chain, and when the chain could not be computed (a gap in the stored sequence, logged).
   */
  chainHash?: string;
}

export function manifestBytes(manifest: Manifest): Uint8Array {
  const ordered: Manifest = {
    version: manifest.version,
    organizationId: manifest.organizationId,
    startDate: manifest.startDate,
    endDate: manifest.endDate,
    revision: manifest.revision,
    generatedAt: manifest.generatedAt,
    archive: { sha256: manifest.archive.sha256, bytes: manifest.archive.bytes, records: manifest.archive.records },
    files: manifest.files.map((file) => ({ name: file.name, sha256: file.sha256, records: file.records })),
    previousManifestSha256: manifest.previousManifestSha256,
    ...(manifest.chainHash === undefined ? {} : { chainHash: manifest.chainHash }),
  };
  return new TextEncoder().encode(`${JSON.stringify(ordered, null, 2)}\n`);
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.trim());
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** ARCHIVE_SIGNING_KEY: Ed25519 private key as base64 PKCS#8 DER (what `npm start` generates). */
export async function importSigningKey(pkcs8Base64: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', base64ToBytes(pkcs8Base64), { name: 'Ed25519' }, true, ['sign']);
}

/** The raw 64-byte Ed25519 signature over the exact bytes (what `openssl pkeyutl -verify -rawin` reads). */
export async function signBytes(key: CryptoKey, bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign('Ed25519', key, bytes));
}

// SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410): SEQUENCE { AlgorithmIdentifier 1.3.101.112, BIT STRING }.
const SPKI_ED25519_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

export interface PublicKeyDocument {
  pem: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

/** The key that verifies manifests signed with ARCHIVE_SIGNING_KEY. */
export async function verificationKey(pkcs8Base64: string): Promise<CryptoKey> {
  const { jwk } = await publicKeyOf(await importSigningKey(pkcs8Base64));
  return crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['verify']);
}

/** The public half of the signing key, as PEM (SPKI) and JWK. */
export async function publicKeyOf(privateKey: CryptoKey): Promise<PublicKeyDocument> {
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  const x = jwk instanceof ArrayBuffer ? undefined : jwk.x;
  if (typeof x !== 'string') throw new Error('The signing key is not an Ed25519 key');
  const raw = base64ToBytes(
    x
      .replaceAll('-', '+')
      .replaceAll('_', '/')
      .padEnd(Math.ceil(x.length / 4) * 4, '='),
  );
  const der = new Uint8Array([...SPKI_ED25519_PREFIX, ...raw]);
  let binary = '';
  for (const byte of der) binary += String.fromCharCode(byte);
  const body = btoa(binary)
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return { pem: `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`, jwk: { kty: 'OKP', crv: 'Ed25519', x: base64Url(raw) } };
}
