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

/**
 * Finds an RFC 9470 step-up challenge: a `Bearer` or `DPoP` challenge with
 * `error="insufficient_user_authentication"`, and reads its `acr_values`
 * (space-separated, order kept) and `max_age`. A `max_age` that is not a
 * non-negative integer is dropped rather than guessed at.
 *
 * @param source - a response, its headers, or the raw header value
 * @returns the challenge, or undefined when there is none
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response);
 * if (challenge) await stepUp(challenge.acrValues, challenge.maxAge);
 * ```
 */
export function readStepUpChallenge(source: ChallengeSource): StepUpChallenge | undefined {
  const challenge = oauthChallenges(source).find((candidate) => candidate.params.error === 'insufficient_user_authentication');
  if (!challenge) return undefined;
  const { error_description: description, acr_values: acrValues = '', max_age: maxAgeText } = challenge.params;
  const maxAge = readMaxAge(maxAgeText);
  return {
    error: 'insufficient_user_authentication',
    ...(description === undefined ? {} : { description }),
    acrValues: acrValues.split(' ').filter((value) => value !== ''),
    ...(maxAge === undefined ? {} : { maxAge }),
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
