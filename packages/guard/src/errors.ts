import { StepwiseError } from '@stepwise/core';

/** The RFC 6750 / RFC 9470 `error` values the guard's challenges carry. */
export type BearerErrorCode = 'invalid_token' | 'insufficient_user_authentication';

/**
 * Base class of every refusal the guard answers. Each subclass knows its
 * HTTP status (from the Stepwise error catalogue), its Bearer `error` and
 * the auth-params of the `WWW-Authenticate` challenge it sends.
 *
 * @example
 * ```ts
 * try { await guard.verify(header, { acr: 'aal2' }); }
 * catch (error) { if (error instanceof GuardError) console.log(error.code, error.bearerError); }
 * ```
 */
export abstract class GuardError extends StepwiseError {
  /** The RFC 6750 `error`, or `undefined` when the request had no token at all (RFC 6750 section 3.1). */
  abstract readonly bearerError: BearerErrorCode | undefined;

  /** Auth-params for the challenge after `error` and `error_description`, in order. */
  challengeParams(): ReadonlyArray<readonly [string, string | number]> {
    return [];
  }
}

/** No `Authorization: Bearer` header: RFC 6750 says answer with a bare challenge, no error code. */
export class MissingTokenError extends GuardError {
  readonly bearerError = undefined;

  constructor() {
    super('ERR_TOKEN_MISSING');
  }
}

/** Why a token was refused, in the error's `reason` detail. */
export type InvalidTokenReason =
  | 'malformed'
  | 'signature'
  | 'algorithm'
  | 'type'
  | 'unknown_key'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'claims'
  | 'receipt';

/** A token that is not a valid access token for this API (RFC 6750 `invalid_token`). */
export class InvalidTokenError extends GuardError {
  readonly bearerError = 'invalid_token' as const;

  /**
   * @param reason - which check failed
   * @param description - what to tell the caller; never echoes the token
   */
  constructor(readonly reason: InvalidTokenReason, description: string) {
    super(
      reason === 'expired' ? 'ERR_TOKEN_EXPIRED' : reason === 'malformed' ? 'ERR_TOKEN_MALFORMED' : 'ERR_TOKEN_INVALID',
      description,
      { reason },
    );
  }
}

/** What a route needs that the token lacks: the RFC 9470 challenge parameters. */
export interface UnmetRequirement {
  /** Levels that would do, strongest preference first (`acr_values`). */
  readonly acrValues: readonly string[];
  /** Seconds since the last active authentication the route allows (`max_age`). */
  readonly maxAge?: number | undefined;
  /** `amr` values of which the token must show one, when the route restricts methods. */
  readonly methods?: readonly string[] | undefined;
}

/**
 * The token is valid but its authentication is too weak, too old or used
 * the wrong method: RFC 9470 `insufficient_user_authentication`.
 */
export class InsufficientUserAuthenticationError extends GuardError {
  readonly bearerError = 'insufficient_user_authentication' as const;

  /**
   * @param unmet - what the route requires, sent back as `acr_values` and `max_age`
   * @param description - RFC 9470's wording for the failed check
   */
  constructor(readonly unmet: UnmetRequirement, description: string) {
    super('ERR_INSUFFICIENT_USER_AUTHENTICATION', description, {
      oauth_error: 'insufficient_user_authentication',
      ...(unmet.acrValues.length > 0 ? { acr_values: [...unmet.acrValues] } : {}),
      ...(unmet.maxAge !== undefined ? { max_age: unmet.maxAge } : {}),
      ...(unmet.methods ? { methods: [...unmet.methods] } : {}),
    });
  }

  override challengeParams(): ReadonlyArray<readonly [string, string | number]> {
    const params: Array<readonly [string, string | number]> = [];
    if (this.unmet.acrValues.length > 0) params.push(['acr_values', this.unmet.acrValues.join(' ')]);
    if (this.unmet.maxAge !== undefined) params.push(['max_age', this.unmet.maxAge]);
    return params;
  }
}

/** Discovery or the JWKS could not be fetched and no keys are cached: not the caller's fault (503). */
export class IssuerUnavailableError extends GuardError {
  readonly bearerError = undefined;

  /** @param cause - what failed, for logs */
  constructor(cause: unknown) {
    super('ERR_ISSUER_UNAVAILABLE');
    this.cause = cause;
  }
}
