import { decodeBase64Url } from './base64url.js';
import { isScheme, parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.js';

/** Where a `WWW-Authenticate` header can be read from. */
export type ChallengeSource = Response | Headers | string | null | undefined;

/** An RFC 9470 step-up challenge: what the resource server wants the user to do. */
export interface StepUpChallenge {
  readonly error: 'insufficient_user_authentication';
  /** The `error_description`, for logs; not meant for end users. */
  readonly description?: string;
  /** Acceptable `acr` values, in the server's order of preference; empty when only freshness is asked. */
  readonly acrValues: string[];
  /** Maximum age in seconds of the user's last active authentication; absent unless a non-negative integer was sent. */
  readonly maxAge?: number;
  /**
   * The RFC 9396 `authorization_details` the request's transaction needs,
   * when the API binds proofs to transactions (`@stepwise/guard`'s
   * `requireTransaction`). A step-up with them is a *bound* one: its token
   * approves this one transaction, once, and is not a session token. Absent
   * unless the auth-param decodes to a non-empty array of objects.
   */
  readonly authorizationDetails?: unknown[];
}

/** An RFC 6750 §3.1 error from a Bearer (or DPoP) challenge. */
export interface BearerError {
  /** `invalid_token`, `insufficient_scope`, `invalid_request`, or another code. */
  readonly error: string;
  readonly description?: string;
  /** The scope the resource needs, for `insufficient_scope`. */
  readonly scope?: string;
}

// The OAuth schemes whose challenges carry RFC 6750 / RFC 9470 errors.
const OAUTH_SCHEMES = ['Bearer', 'DPoP'] as const;

function headerOf(source: ChallengeSource): string | null {
  if (source === null || source === undefined) return null;
  if (typeof source === 'string') return source;
  // A Response has headers; a Headers object answers get() itself. Checked
  // by shape rather than instanceof so polyfilled or cross-realm objects work.
  const headers = 'headers' in source ? source.headers : source;
  return headers.get('www-authenticate');
}

function oauthChallenges(source: ChallengeSource): AuthChallenge[] {
  const header = headerOf(source);
  if (header === null) return [];
  return parseWwwAuthenticate(header).filter((challenge) => OAUTH_SCHEMES.some((scheme) => isScheme(challenge, scheme)));
}

function readMaxAge(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const seconds = Number(value);
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

// Unpadded base64url, as the guard sends it; padding is tolerated.
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

function isDetail(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the `authorization_details` auth-param: base64url of the UTF-8 JSON
 * of an RFC 9396 array. Anything else reads as absent, never as an error:
 * a challenge whose details cannot be read is answered as an unbound one,
 * which the API then refuses again, rather than breaking the call.
 */
function readAuthorizationDetails(value: string | undefined): unknown[] | undefined {
  if (value === undefined || !BASE64URL.test(value)) return undefined;
  try {
    const details: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64Url(value)));
    return Array.isArray(details) && details.length > 0 && details.every(isDetail) ? details : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds an RFC 9470 step-up challenge: a `Bearer` or `DPoP` challenge with
 * `error="insufficient_user_authentication"`, and reads its `acr_values`
 * (space-separated, order kept), `max_age` and, from an API that binds
 * proofs to transactions, `authorization_details` (base64url of the UTF-8
 * JSON of an RFC 9396 array). A `max_age` that is not a non-negative
 * integer, or details that are not a non-empty array of objects, are
 * dropped rather than guessed at; a malformed header never throws.
 *
 * @param source - a response, its headers, or the raw header value
 * @returns the challenge, or undefined when there is none
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response);
 * if (challenge?.authorizationDetails) await approveTransaction(challenge); // a token for this one request
 * else if (challenge) await stepUp(challenge.acrValues, challenge.maxAge);
 * ```
 */
export function readStepUpChallenge(source: ChallengeSource): StepUpChallenge | undefined {
  const challenge = oauthChallenges(source).find((candidate) => candidate.params.error === 'insufficient_user_authentication');
  if (!challenge) return undefined;
  const { error_description: description, acr_values: acrValues = '', max_age: maxAgeText } = challenge.params;
  const maxAge = readMaxAge(maxAgeText);
  const authorizationDetails = readAuthorizationDetails(challenge.params.authorization_details);
  return {
    error: 'insufficient_user_authentication',
    ...(description === undefined ? {} : { description }),
    acrValues: acrValues.split(' ').filter((value) => value !== ''),
    ...(maxAge === undefined ? {} : { maxAge }),
    ...(authorizationDetails === undefined ? {} : { authorizationDetails }),
  };
}

/**
 * Reads the RFC 6750 error of the first `Bearer` or `DPoP` challenge that
 * has one, such as `invalid_token` (sign in again) or `insufficient_scope`.
 * A challenge without `error` (the request carried no token) gives
 * undefined.
 *
 * @param source - a response, its headers, or the raw header value
 * @example
 * ```ts
 * if (response.status === 401 && readBearerError(response)?.error === 'invalid_token') await client.signIn();
 * ```
 */
export function readBearerError(source: ChallengeSource): BearerError | undefined {
  const challenge = oauthChallenges(source).find((candidate) => candidate.params.error !== undefined);
  const error = challenge?.params.error;
  if (challenge === undefined || error === undefined) return undefined;
  const { error_description: description, scope } = challenge.params;
  return {
    error,
    ...(description === undefined ? {} : { description }),
    ...(scope === undefined ? {} : { scope }),
  };
}
