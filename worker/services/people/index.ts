/**
 * How people get in without an API key: invitations, passkeys (WebAuthn) and one-time sign-in
 * links, with the single-use ceremony state they share (docs/ARCHITECTURE.md, "Sign-in").
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */

export { createChallenge, takeChallenge } from './challenges.ts';
export {
  claimInvitation,
  createInvitation,
  invitedUser,
  listInvitations,
  type PendingInvitation,
  pendingInvitation,
  previewInvitation,
  recordAccepted,
  revokeInvitation,
} from './invitations.ts';
export {
  addPasskey,
  deletePasskey,
  finishPasskeyRegistration,
  finishPasskeySignIn,
  listPasskeys,
  PasskeySignInRefused,
  personSessionUser,
  startPasskeyRegistration,
  startPasskeySignIn,
} from './passkeys.ts';
export { createSignInLink, redeemSignInLink } from './sign-in-links.ts';
export { relyingParty } from './webauthn.ts';
