/**
 * Every failure the client SDK reports on purpose has a stable code and a
 * default message, listed once here. Applications branch on `code`, never
 * on the message, which may be reworded.
 */
export const CLIENT_ERROR_CATALOGUE = {
  ERR_CLIENT_DISCOVERY: 'The OpenID Provider metadata could not be loaded or does not match the issuer',
  ERR_CLIENT_STATE_MISMATCH: 'The authorization response does not answer a sign-in started from this page',
  ERR_CLIENT_ISSUER_MISMATCH: 'The authorization response comes from another issuer',
  ERR_CLIENT_AUTHORIZATION_DENIED: 'The authorization server refused the request',
  ERR_CLIENT_CALLBACK_INVALID: 'The authorization response carries neither a code nor an error',
  ERR_CLIENT_TOKEN_EXCHANGE: 'The authorization code could not be exchanged for tokens',
  ERR_CLIENT_ID_TOKEN_INVALID: 'The ID token does not belong to this sign-in',
  ERR_CLIENT_BODY_NOT_REPLAYABLE: 'This request body cannot be kept across a redirect; send a string, URLSearchParams or JSON body',
  ERR_CLIENT_POPUP_BLOCKED: 'The browser blocked the sign-in popup',
  ERR_CLIENT_POPUP_CLOSED: 'The sign-in popup was closed before the sign-in finished',
  ERR_CLIENT_NO_OPENER: 'This page was not opened as a sign-in popup by the application',
  ERR_CLIENT_BROWSER_REQUIRED: 'This operation needs a browser window',
  ERR_CLIENT_PAR_UNSUPPORTED:
    'The authorization server announces no pushed_authorization_request_endpoint, so a transaction cannot be approved',
  ERR_CLIENT_PAR_FAILED: 'The authorization server refused the pushed authorization request, or its answer is unusable',
} as const satisfies Record<string, string>;

/** A stable error code from {@link CLIENT_ERROR_CATALOGUE}. */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CATALOGUE;

/**
 * Base class of every error the client SDK throws on purpose.
 *
 * @example
 * ```ts
 * try {
 *   await client.handleRedirectCallback();
 * } catch (err) {
 *   if (err instanceof StepwiseClientError && err.code === 'ERR_CLIENT_STATE_MISMATCH') showStartAgain();
 *   else throw err;
 * }
 * ```
 */
export class StepwiseClientError extends Error {
  /** Stable machine-readable code, e.g. `ERR_CLIENT_POPUP_BLOCKED`. */
  readonly code: ClientErrorCode;
  /** Extra facts about the failure (HTTP status, claim name), safe to log. */
  readonly details: Readonly<Record<string, unknown>>;

  /**
   * @param code - catalogue code
   * @param message - overrides the catalogue message
   * @param details - extra facts safe to log
   * @param cause - the lower-level error, when there is one
   */
  constructor(code: ClientErrorCode, message?: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(message ?? CLIENT_ERROR_CATALOGUE[code], cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/**
 * The authorization server answered the authorization request with an
 * OAuth error (`access_denied`, `unmet_authentication_requirements`, …).
 *
 * @example
 * ```ts
 * if (err instanceof AuthorizationDeniedError && err.oauthError === 'access_denied') showCancelled();
 * ```
 */
export class AuthorizationDeniedError extends StepwiseClientError {
  /**
   * @param oauthError - the `error` parameter of the authorization response
   * @param description - its `error_description`, when sent
   */
  constructor(readonly oauthError: string, readonly description?: string) {
    super(
      'ERR_CLIENT_AUTHORIZATION_DENIED',
      description === undefined ? `authorization refused: ${oauthError}` : `authorization refused: ${oauthError}: ${description}`,
      { error: oauthError, ...(description === undefined ? {} : { error_description: description }) },
    );
  }
}

/**
 * The token endpoint could not be reached or refused the code.
 *
 * @example
 * ```ts
 * if (err instanceof TokenExchangeError && err.oauthError === 'invalid_grant') await client.signIn();
 * ```
 */
export class TokenExchangeError extends StepwiseClientError {
  /**
   * @param reason - what went wrong, for the message
   * @param status - HTTP status of the token response; undefined when none arrived
   * @param oauthError - the OAuth `error` of the token response, when sent
   * @param cause - the network or parse error, when there is one
   */
  constructor(reason: string, readonly status?: number, readonly oauthError?: string, cause?: unknown) {
    super(
      'ERR_CLIENT_TOKEN_EXCHANGE',
      `token exchange failed: ${reason}`,
      { ...(status === undefined ? {} : { status }), ...(oauthError === undefined ? {} : { error: oauthError }) },
      cause,
    );
  }
}

/**
 * The ID token returned by the token endpoint fails a check that ties it to
 * this sign-in (`nonce`) or to this client and issuer (`aud`, `iss`).
 *
 * @example
 * ```ts
 * if (err instanceof IdTokenClaimError) console.warn(`ID token rejected on ${err.claim}`);
 * ```
 */
export class IdTokenClaimError extends StepwiseClientError {
  /** @param claim - the claim that failed, or `payload` when the token cannot be decoded */
  constructor(readonly claim: 'nonce' | 'iss' | 'aud' | 'payload') {
    super('ERR_CLIENT_ID_TOKEN_INVALID', `ID token rejected: unexpected ${claim}`, { claim });
  }
}

/**
 * The pushed authorization request (RFC 9126) of a bound step-up could not
 * be sent, was refused, or was answered with something other than a
 * `201` carrying a `request_uri`. Nothing was navigated to and nothing was
 * stored.
 *
 * @example
 * ```ts
 * if (err instanceof PushedAuthorizationError && err.oauthError === 'invalid_authorization_details') showCannotApprove();
 * ```
 */
export class PushedAuthorizationError extends StepwiseClientError {
  /**
   * @param reason - what went wrong, for the message
   * @param status - HTTP status of the answer; undefined when none arrived
   * @param oauthError - the OAuth `error` of the answer, when sent
   * @param description - its `error_description`, when sent
   * @param cause - the network or parse error, when there is one
   */
  constructor(
    reason: string,
    readonly status?: number,
    readonly oauthError?: string,
    readonly description?: string,
    cause?: unknown,
  ) {
    super(
      'ERR_CLIENT_PAR_FAILED',
      `pushed authorization request failed: ${reason}`,
      {
        ...(status === undefined ? {} : { status }),
        ...(oauthError === undefined ? {} : { error: oauthError }),
        ...(description === undefined ? {} : { error_description: description }),
      },
      cause,
    );
  }
}
