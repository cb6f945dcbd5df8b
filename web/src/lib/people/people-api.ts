// Signing in as oneself (passkeys, invitation links, one-time sign-in links) and one's own
// passkeys and sessions. WebAuthn runs in the browser through @simplewebauthn/browser; the
// Worker keeps each ceremony's challenge behind an HttpOnly cookie (docs/API.md, "Passkeys").
import {
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import type { CreatedInvitation, Invitation, InvitationPreview, Passkey } from '../../../../worker/contract/identity.ts';
import type { SessionInfo } from '../../../../worker/contract/sessions.ts';
import { api, type Fetch } from '../shell/api.ts';
import type { Me, Role } from '../shell/api-types.ts';
import { forgetMe } from '../shell/me.ts';

export type { CreatedInvitation, Invitation, InvitationPreview, Passkey, SessionInfo };

const orgPath = (orgId: string): string => `/organizations/${encodeURIComponent(orgId)}`;
const tokenPath = (token: string): string => `/invitations/${encodeURIComponent(token)}`;

export async function signInWithPasskey(fetchFn: Fetch): Promise<Me> {
  const options = await api<PublicKeyCredentialRequestOptionsJSON>(fetchFn, '/auth/passkey/options', { method: 'POST' });
  const response = await startAuthentication({ optionsJSON: options });
  const me = await api<Me>(fetchFn, '/auth/passkey', { method: 'POST', body: { response } });
  forgetMe();
  return me;
}

export function previewInvitation(fetchFn: Fetch, token: string): Promise<InvitationPreview> {
  return api<InvitationPreview>(fetchFn, tokenPath(token));
}

/** Accepts with a new passkey, or (`withPasskey` false) as the person already signed in. */
export async function acceptInvitation(fetchFn: Fetch, token: string, withPasskey: boolean): Promise<Me> {
  let body: Record<string, unknown> = {};
  if (withPasskey) {
    const options = await api<PublicKeyCredentialCreationOptionsJSON>(fetchFn, `${tokenPath(token)}/passkey-options`, { method: 'POST' });
    body = { response: await startRegistration({ optionsJSON: options }) };
  }
  const me = await api<Me>(fetchFn, `${tokenPath(token)}/accept`, { method: 'POST', body });
  forgetMe();
  return me;
}

export async function redeemSignInLink(fetchFn: Fetch, token: string): Promise<Me> {
  const me = await api<Me>(fetchFn, `/auth/sign-in-links/${encodeURIComponent(token)}`, { method: 'POST' });
  forgetMe();
  return me;
}

export async function fetchInvitations(fetchFn: Fetch, orgId: string): Promise<Invitation[]> {
  return (await api<{ invitations: Invitation[] }>(fetchFn, `${orgPath(orgId)}/invitations`)).invitations;
}

export function createInvitation(fetchFn: Fetch, orgId: string, invitation: { email: string; role: Role }): Promise<CreatedInvitation> {
  return api<CreatedInvitation>(fetchFn, `${orgPath(orgId)}/invitations`, { method: 'POST', body: invitation });
}

export function revokeInvitation(fetchFn: Fetch, orgId: string, id: string): Promise<void> {
  return api<undefined>(fetchFn, `${orgPath(orgId)}/invitations/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export async function fetchPasskeys(fetchFn: Fetch): Promise<Passkey[]> {
  return (await api<{ passkeys: Passkey[] }>(fetchFn, '/me/passkeys')).passkeys;
}

export async function addPasskey(fetchFn: Fetch, name: string): Promise<Passkey> {
  const options = await api<PublicKeyCredentialCreationOptionsJSON>(fetchFn, '/me/passkeys/options', { method: 'POST' });
  const response = await startRegistration({ optionsJSON: options });
  return api<Passkey>(fetchFn, '/me/passkeys', { method: 'POST', body: { response, ...(name ? { name } : {}) } });
}

export function deletePasskey(fetchFn: Fetch, id: string): Promise<void> {
  return api<undefined>(fetchFn, `/me/passkeys/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export async function fetchSessions(fetchFn: Fetch): Promise<SessionInfo[]> {
  return (await api<{ sessions: SessionInfo[] }>(fetchFn, '/me/sessions')).sessions;
}

export function endSession(fetchFn: Fetch, id: string): Promise<void> {
  return api<undefined>(fetchFn, `/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function endOtherSessions(fetchFn: Fetch): Promise<void> {
  return api<undefined>(fetchFn, '/me/sessions', { method: 'DELETE' });
}

/** What a failed WebAuthn ceremony says to a person (the browser's own errors are terse). */
export function ceremonyError(cause: unknown, fallback: string): string {
  if (cause instanceof Error && cause.name === 'NotAllowedError') return 'The passkey prompt was closed or timed out. Try again.';
  if (cause instanceof Error && 'detail' in cause && typeof cause.detail === 'string') return cause.detail;
  return cause instanceof Error && cause.message ? `${fallback} (${cause.message})` : fallback;
}
