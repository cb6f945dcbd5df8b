/**
 * Who may act: API keys, members and their roles, and the credentials a request brings (key, Basic, session).
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { principalFromAccess } from './access-principal.ts';
export { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
export {
  organizationsOf,
  principalFromApiKey,
  principalFromKeyIdAndSecret,
  type SignInKey,
  signInKeyLookup,
  touchApiKey,
} from './credentials.ts';
export { recordApiKeySignInFailed } from './key-sign-in-failure.ts';
export { addMember, changeMemberRole, listMembers, removeMember } from './members.ts';
export { purgeEndedSignIns } from './purge.ts';
export {
  principalFromSession,
  signInWithApiKey,
  startSession,
} from './session-principal.ts';
export { deleteSession, endOtherSessions, endSession, listSessions } from './sessions.ts';
export { recordSignIn, recordSignInFailed, recordSignInListingOrganizations, recordSignOut } from './sign-in-events.ts';
