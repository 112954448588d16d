import { StepwiseError, type AuthorizationDetail } from '@stepwise/core';

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
 * The transaction a refusal asks the user to approve, as the client SDK
 * reads it: the expected `authorization_details` in RFC 8785 canonical form,
 * their `txn` hash, and the challenge's `authorization_details` auth-param
 * (base64url, no padding, of the UTF-8 canonical JSON).
 */
export interface TransactionHint {
  /** A copy of the expected details, detached from the application's objects. */
  readonly details: readonly AuthorizationDetail[];
  /** `transactionHash(details)`: what a bound token's `txn` must be. */
  readonly txn: string;
  /** The `authorization_details` auth-param value. */
  readonly encoded: string;
}

/** The body fields every step-up refusal shares: `oauth_error`, `acr_values`, `max_age`, `methods`. */
function stepUpDetails(unmet: UnmetRequirement): Record<string, unknown> {
  return {
    oauth_error: 'insufficient_user_authentication',
    ...(unmet.acrValues.length > 0 ? { acr_values: [...unmet.acrValues] } : {}),
    ...(unmet.maxAge !== undefined ? { max_age: unmet.maxAge } : {}),
    ...(unmet.methods ? { methods: [...unmet.methods] } : {}),
  };
}

/** The body fields of a transaction hint. */
function hintDetails(hint: TransactionHint): Record<string, unknown> {
  return { authorization_details: [...hint.details], txn: hint.txn };
}

/** RFC 9470 auth-params, then the hint's `authorization_details` when there is one. */
function stepUpParams(unmet: UnmetRequirement, hint: TransactionHint | undefined): ReadonlyArray<readonly [string, string | number]> {
  const params: Array<readonly [string, string | number]> = [];
  if (unmet.acrValues.length > 0) params.push(['acr_values', unmet.acrValues.join(' ')]);
  if (unmet.maxAge !== undefined) params.push(['max_age', unmet.maxAge]);
  if (hint) params.push(['authorization_details', hint.encoded]);
  return params;
}

/**
 * The token is valid but its authentication is too weak, too old or used
 * the wrong method: RFC 9470 `insufficient_user_authentication`. On a route
 * bound to a transaction it also carries the {@link TransactionHint}, so the
 * client's step-up is a bound one.
 */
export class InsufficientUserAuthenticationError extends GuardError {
  readonly bearerError = 'insufficient_user_authentication' as const;

  /**
   * @param unmet - what the route requires, sent back as `acr_values` and `max_age`
   * @param description - RFC 9470's wording for the failed check
   * @param transaction - the transaction to approve, on a bound route
   */
  constructor(readonly unmet: UnmetRequirement, description: string, readonly transaction?: TransactionHint) {
    super('ERR_INSUFFICIENT_USER_AUTHENTICATION', description, {
      ...stepUpDetails(unmet),
      ...(transaction ? hintDetails(transaction) : {}),
    });
  }

  override challengeParams(): ReadonlyArray<readonly [string, string | number]> {
    return stepUpParams(this.unmet, this.transaction);
  }
}

/** Why a bound route refused a token, in the error's `reason` detail. */
export type TransactionRefusalReason = 'unbound' | 'mismatch' | 'expired' | 'replayed';

const TRANSACTION_CODES = {
  unbound: 'ERR_TXN_UNBOUND',
  mismatch: 'ERR_TXN_MISMATCH',
  expired: 'ERR_TXN_EXPIRED',
  replayed: 'ERR_TXN_REPLAYED',
} as const satisfies Record<TransactionRefusalReason, string>;

/**
 * The token does not carry an approval of this request's transaction: it is
 * not bound, bound to other details, approved too long ago, or already used.
 * Answered like any RFC 9470 step-up, plus the details to approve.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof TransactionNotApprovedError) log.warn({ reason: error.reason, txn: error.transaction.txn });
 * }
 * ```
 */
export class TransactionNotApprovedError extends GuardError {
  readonly bearerError = 'insufficient_user_authentication' as const;

  /**
   * @param reason - which binding check failed
   * @param unmet - the route's level and freshness, sent back as `acr_values` and `max_age`
   * @param transaction - the transaction the user must approve
   */
  constructor(readonly reason: TransactionRefusalReason, readonly unmet: UnmetRequirement, readonly transaction: TransactionHint) {
    super(TRANSACTION_CODES[reason], undefined, { ...stepUpDetails(unmet), reason, ...hintDetails(transaction) });
  }

  override challengeParams(): ReadonlyArray<readonly [string, string | number]> {
    return stepUpParams(this.unmet, this.transaction);
  }
}

/**
 * The in-memory replay store holds as many unexpired single-use tokens as it
 * may: it refuses more rather than forget one, which would let it be replayed.
 */
export class ReplayStoreFullError extends GuardError {
  readonly bearerError = undefined;

  /** @param limit - the store's `maxEntries` */
  constructor(readonly limit: number) {
    super('ERR_RATE_LIMITED', 'Too many single-use approvals are in flight on this server; try again shortly');
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
