import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { base64Url, fromBase64Url } from '../../auth/secrets.ts';
import type { WebAuthnCredential } from '../../contract/identity.ts';
import { badRequest } from '../../errors.ts';

/** The relying party is the site the request came to: its host name is the RP id, its origin the only one accepted. */
export interface RelyingParty {
  id: string;
  name: string;
  origin: string;
}

export function relyingParty(requestUrl: string): RelyingParty {
  const url = new URL(requestUrl);
  return { id: url.hostname, name: 'Audit Logs', origin: url.origin };
}

const TRANSPORTS = new Set<string>(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

export function knownTransports(list: readonly string[] | undefined): AuthenticatorTransport[] {
  return (list ?? []).filter((item): item is AuthenticatorTransport => TRANSPORTS.has(item));
}

/** Options for a new discoverable, user-verified credential whose user handle is the users.id. */
export function registrationOptions(
  rp: RelyingParty,
  user: { id: string; email: string; name: string },
  existing: { credentialId: string; transports: AuthenticatorTransport[] }[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userID: new Uint8Array(new TextEncoder().encode(user.id)),
    userDisplayName: user.name || user.email,
    attestationType: 'none',
    excludeCredentials: existing.map((credential) => ({ id: credential.credentialId, transports: credential.transports })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    supportedAlgorithmIDs: [-7, -257],
    timeout: 300_000,
  });
}

export interface VerifiedPasskey {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: AuthenticatorTransport[];
}

/**
 * Verifies a registration against the stored challenge. The library throws plain errors on
 * garbage (e.g. a SyntaxError for clientDataJSON that is not JSON): every throw is a 400.
 */
export async function verifyRegistration(rp: RelyingParty, response: WebAuthnCredential, challenge: string): Promise<VerifiedPasskey> {
  const { attestationObject } = response.response;
  if (!attestationObject) throw badRequest('The passkey registration has no attestationObject.');
  const json: RegistrationResponseJSON = {
    ...response,
    authenticatorAttachment: response.authenticatorAttachment ?? undefined,
    response: { ...response.response, attestationObject, transports: knownTransports(response.response.transports) },
  };
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({
      response: json,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch {
    throw badRequest('The passkey could not be verified (wrong challenge, origin or site, or a malformed response). Start again.');
  }
  if (!result.verified) throw badRequest('The passkey could not be verified. Start again.');
  const { credential } = result.registrationInfo;
  return {
    credentialId: credential.id,
    publicKey: base64Url(credential.publicKey),
    counter: credential.counter,
    transports: knownTransports(response.response.transports),
  };
}

/** Options for a sign-in with any discoverable credential of this site (no allowCredentials: no email to type). */
export function authenticationOptions(rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', timeout: 300_000 });
}

/** Why an assertion of a known passkey was refused (the `reason` of its `sign_in_failed` events). */
export type AssertionVerdict = { ok: true; counter: number } | { ok: false; reason: string };

/**
 * Verifies an assertion with the stored credential: the new signature counter, or why it was
 * refused (the library throws plain errors for every failure; its counter check names itself).
 */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: WebAuthnCredential,
  challenge: string,
  stored: VerifiedPasskey,
): Promise<AssertionVerdict> {
  const { authenticatorData, signature } = response.response;
  if (!authenticatorData || !signature) return { ok: false, reason: 'the assertion is incomplete (no authenticator data or signature)' };
  const json: AuthenticationResponseJSON = {
    ...response,
    authenticatorAttachment: response.authenticatorAttachment ?? undefined,
    response: {
      clientDataJSON: response.response.clientDataJSON,
      authenticatorData,
      signature,
      userHandle: response.response.userHandle ?? undefined,
    },
  };
  const refused = { ok: false, reason: 'the assertion did not verify (signature, origin, challenge or user verification)' } as const;
  try {
    const result = await verifyAuthenticationResponse({
      response: json,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: stored.credentialId,
        publicKey: new Uint8Array(fromBase64Url(stored.publicKey)),
        counter: stored.counter,
        transports: stored.transports,
      },
      requireUserVerification: true,
    });
    return result.verified ? { ok: true, counter: result.authenticationInfo.newCounter } : refused;
  } catch (error) {
    if (error instanceof Error && /counter value/i.test(error.message))
      return { ok: false, reason: 'the signature counter did not grow (a cloned or replayed passkey?)' };
    return refused;
  }
}
