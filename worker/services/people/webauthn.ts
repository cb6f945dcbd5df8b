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
import { badRequest, unauthorized } from '../../errors.ts';

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

const SIGN_IN_REFUSED = 'The passkey sign-in failed. Start again.';

/** Verifies an assertion with the stored credential; any failure is a 401, and the new signature counter is returned. */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: WebAuthnCredential,
  challenge: string,
  stored: VerifiedPasskey,
): Promise<number> {
  const { authenticatorData, signature } = response.response;
  if (!authenticatorData || !signature) throw unauthorized(SIGN_IN_REFUSED);
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
    if (!result.verified) throw unauthorized(SIGN_IN_REFUSED);
    return result.authenticationInfo.newCounter;
  } catch {
    throw unauthorized(SIGN_IN_REFUSED);
  }
}
