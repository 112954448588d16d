import { AuthorizationDeniedError, StepwiseClientError } from './errors.js';

/** The parameters of an authorization response, as read from the callback URL query. */
export interface AuthorizationResponse {
  readonly code?: string;
  readonly state?: string;
  /** RFC 9207 issuer identifier. */
  readonly iss?: string;
  readonly error?: string;
  readonly errorDescription?: string;
}

/** What the response must match. */
export interface AuthorizationExpectation {
  /** The `state` sent on the request. */
  readonly state: string;
  /** The issuer the request went to. */
  readonly issuer: string;
  /** The issuer announced RFC 9207 support, so a missing `iss` is refused too. */
  readonly issRequired: boolean;
}

/**
 * Reads the authorization response parameters from a callback URL's query
 * (the client always uses `response_mode=query`, the default for `code`).
 *
 * @param url - the callback URL, absolute
 * @example
 * ```ts
 * readAuthorizationResponse('https://app.example/callback?code=abc&state=xyz');
 * // { code: 'abc', state: 'xyz' }
 * ```
 */
export function readAuthorizationResponse(url: string): AuthorizationResponse {
  const params = new URL(url).searchParams;
  const read = (name: string): Record<string, string> => {
    const value = params.get(name);
    return value === null ? {} : { [name === 'error_description' ? 'errorDescription' : name]: value };
  };
  return { ...read('code'), ...read('state'), ...read('iss'), ...read('error'), ...read('error_description') };
}

/**
 * Checks an authorization response in the order that keeps forged answers
 * harmless: `state` first (so a response this page did not ask for is
 * refused before anything in it is believed), then `iss` (RFC 9207, against
 * mix-up), then the OAuth error, then the presence of a code.
 *
 * @param response - the parsed response
 * @param expected - the state and issuer of the request
 * @returns the authorization code
 * @throws StepwiseClientError `ERR_CLIENT_STATE_MISMATCH`, `ERR_CLIENT_ISSUER_MISMATCH`, `ERR_CLIENT_CALLBACK_INVALID`
 * @throws AuthorizationDeniedError when the response carries `error`
 * @example
 * ```ts
 * const code = checkAuthorizationResponse(readAuthorizationResponse(location.href), { state, issuer, issRequired: true });
 * ```
 */
export function checkAuthorizationResponse(response: AuthorizationResponse, expected: AuthorizationExpectation): string {
  if (response.state === undefined || response.state !== expected.state) {
    throw new StepwiseClientError('ERR_CLIENT_STATE_MISMATCH');
  }
  if (response.iss === undefined ? expected.issRequired : response.iss !== expected.issuer) {
    throw new StepwiseClientError('ERR_CLIENT_ISSUER_MISMATCH', undefined, { iss: response.iss ?? null, expected: expected.issuer });
  }
  if (response.error !== undefined) throw new AuthorizationDeniedError(response.error, response.errorDescription);
  if (response.code === undefined || response.code === '') throw new StepwiseClientError('ERR_CLIENT_CALLBACK_INVALID');
  return response.code;
}
