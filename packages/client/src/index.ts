// The public API. Every module here is served to browsers as-is, so no
// import may name a package or a `node:` module.
export {
  CLIENT_ERROR_CATALOGUE,
  StepwiseClientError,
  AuthorizationDeniedError,
  TokenExchangeError,
  IdTokenClaimError,
  PushedAuthorizationError,
  type ClientErrorCode,
} from './errors.js';
export { parseWwwAuthenticate, findChallenge, isScheme, type AuthChallenge } from './www-authenticate.js';
export {
  readStepUpChallenge,
  readBearerError,
  type StepUpChallenge,
  type BearerError,
  type ChallengeSource,
} from './step-up-challenge.js';
export { createStepUpFetch, type StepUpFetchOptions, type FetchLike } from './step-up-fetch.js';
export { createPkcePair, randomToken, type PkcePair } from './pkce.js';
export { discoverProvider, type ProviderMetadata } from './discovery.js';
export { createBrowserClient } from './create-browser-client.js';
export { StepwiseBrowserClient } from './browser-client.js';
export type { BrowserClientOptions, SignInOptions, RedirectCallbackResult, ResumedRequest } from './browser-client-options.js';
export type { PopupHandle, OpenerHandle } from './popup.js';
