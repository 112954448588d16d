/** Options of `createBrowserClient`. */
export interface BrowserClientOptions {
  /** Issuer identifier, e.g. `http://localhost:3000`; discovery must report exactly this issuer. */
  issuer: string;
  /** A public client (`token_endpoint_auth_method=none`); PKCE S256 is always used. */
  clientId: string;
  /** The application's callback page. */
  redirectUri: string;
  /** RFC 8707 resource indicator (the API audience), sent on authorization and token requests. */
  resource?: string;
  /** Default `openid profile`. */
  scope?: string;
  /** How a step-up runs: leave the page (`redirect`, the default) or open a `popup`. */
  mode?: 'redirect' | 'popup';
  /** Default `window.sessionStorage`; keys are prefixed `stepwise:${clientId}:`. */
  storage?: Storage;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
}

/** Options of `StepwiseBrowserClient.signIn`. */
export interface SignInOptions {
  /** Where the callback page should send the user afterwards; default the current URL. */
  returnTo?: string;
  /** Acceptable `acr` values, in order of preference. */
  acrValues?: string[];
  /** Maximum age in seconds of the user's last active authentication. */
  maxAge?: number;
  loginHint?: string;
  /**
   * RFC 9396 details of one transaction for the user to approve (a bound
   * approval started by the app itself). The request is pushed (RFC 9126);
   * the token that comes back is returned by `handleRedirectCallback` as
   * `boundAccessToken` and the session's tokens are left as they were.
   */
  authorizationDetails?: unknown[];
}

/** The API request a redirect interrupted, sent again after the sign-in. */
export interface ResumedRequest {
  method: string;
  url: string;
  /** The API's answer to the replay; a further challenge in it is not followed. */
  response: Response;
}

/** What `StepwiseBrowserClient.handleRedirectCallback` found. */
export interface RedirectCallbackResult {
  /** Where the user was when the sign-in started (or the `returnTo` given to `signIn`). */
  returnTo: string;
  /** Present when the sign-in was started by an API request. */
  resumed?: ResumedRequest;
  /**
   * After `signIn({ authorizationDetails })`: the token bound to that
   * transaction. Send it once, with the request it approves; it is not
   * stored. (When an API request started the approval, `resumed` already
   * used it.)
   */
  boundAccessToken?: string;
}
