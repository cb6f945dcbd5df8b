/**
 * Organization SSO (OpenID Connect): the configuration and role map owners manage, and the
 * sign-in ceremony (start → provider → callback). The only door into this folder (.dependency-cruiser.cjs).
 */

export { SSO_CHALLENGE_MS } from './challenge.ts';
export {
  deleteSsoConfiguration,
  getOidcMap,
  getSsoConfiguration,
  putOidcMap,
  putSsoConfiguration,
  type SsoDeployment,
} from './configuration.ts';
export { finishSsoSignIn, SsoFailure, SsoSignInError, startSsoSignIn } from './sign-in.ts';
