/**
 * A software WebAuthn authenticator for worker tests (docs/research/sign-in-and-streams-spike.md):
 * a real P-256 key in WebCrypto, "none" attestation, the COSE key and attestation object in CBOR.
 * It answers the options our routes hand out exactly as a browser + platform authenticator would,
 * so the server's verification runs for real; tests tamper with its output for hostile cases.
 */
import { isoCBOR } from '@simplewebauthn/server/helpers';

const encoder = new TextEncoder();

export function b64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
}

function u32(value: number): Uint8Array {
  return new Uint8Array([(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
}

/** WebCrypto signs ECDSA as r||s; WebAuthn wants ASN.1 DER. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
    let value = bytes.slice(start);
    if ((value[0] ?? 0) & 0x80) value = concat(new Uint8Array([0]), value);
    return concat(new Uint8Array([0x02, value.length]), value);
  };
  const body = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

export interface SoftwareAuthenticator {
  credentialId: string;
  userHandle: string | null;
  counter: number;
  register(options: unknown, origin?: string): Promise<RegistrationJson>;
  assert(options: unknown, origin?: string): Promise<AssertionJson>;
}

export interface RegistrationJson {
  id: string;
  rawId: string;
  type: 'public-key';
  response: { clientDataJSON: string; attestationObject: string; transports: string[] };
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment: 'platform';
}

export interface AssertionJson {
  id: string;
  rawId: string;
  type: 'public-key';
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle: string | null };
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment: 'platform';
}

export const TEST_ORIGIN = 'http://localhost:8787';

/** A new authenticator holding one credential (created at `register`). `counterStep` 0 acts like most passkey providers. */
export async function softwareAuthenticator(counterStep = 1): Promise<SoftwareAuthenticator> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const rawId = crypto.getRandomValues(new Uint8Array(16));
  const authenticator: SoftwareAuthenticator = {
    credentialId: b64url(rawId),
    userHandle: null,
    counter: 0,
    async register(input, origin = TEST_ORIGIN) {
      const options = input as CreationOptions;
      const rpId = options.rp.id ?? new URL(origin).hostname;
      authenticator.userHandle = options.user.id;
      const clientData = encoder.encode(
        JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }),
      );
      const raw = new Uint8Array((await crypto.subtle.exportKey('raw', keys.publicKey)) as ArrayBuffer);
      const cose = isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, raw.slice(1, 33)],
          [-3, raw.slice(33, 65)],
        ]),
      );
      const authData = concat(
        await sha256(encoder.encode(rpId)),
        new Uint8Array([0x45]), // UP | UV | AT
        u32(authenticator.counter),
        new Uint8Array(16), // AAGUID
        new Uint8Array([0, rawId.length]),
        rawId,
        cose,
      );
      const attestation = isoCBOR.encode(
        new Map<string, string | Uint8Array | Map<string, string>>([
          ['fmt', 'none'],
          ['attStmt', new Map<string, string>()],
          ['authData', authData],
        ]),
      );
      return {
        id: authenticator.credentialId,
        rawId: authenticator.credentialId,
        type: 'public-key',
        response: { clientDataJSON: b64url(clientData), attestationObject: b64url(attestation), transports: ['internal'] },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    async assert(input, origin = TEST_ORIGIN) {
      const options = input as RequestOptions;
      const rpId = options.rpId ?? new URL(origin).hostname;
      authenticator.counter += counterStep;
      const clientData = encoder.encode(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }));
      const authData = concat(await sha256(encoder.encode(rpId)), new Uint8Array([0x05]), u32(authenticator.counter));
      const signed = concat(authData, await sha256(clientData));
      const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, signed));
      return {
        id: authenticator.credentialId,
        rawId: authenticator.credentialId,
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientData),
          authenticatorData: b64url(authData),
          signature: b64url(derSignature(raw)),
          userHandle: authenticator.userHandle,
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
  return authenticator;
}
