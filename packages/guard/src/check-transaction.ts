import { transactionHash } from '@stepwise/core';
import type { AccessTokenClaims } from './claims.js';
import {
  InsufficientUserAuthenticationError,
  InvalidTokenError,
  TransactionNotApprovedError,
  type UnmetRequirement,
} from './errors.js';
import type { ReplayStore } from './replay-store.js';
import type { NormalizedRequirement } from './requirement.js';
import type { NormalizedTransaction } from './transaction-requirement.js';

/**
 * What a bound route sends back when it refuses: the route's level and
 * methods, and a `max_age` no longer than the binding's, so that the
 * approval the client obtains is fresh enough to pass the age check.
 *
 * @param requirement - the route's level, freshness and methods, if any
 * @param transaction - the request's transaction
 * @example
 * ```ts
 * boundUnmet(normalizeRequirement({ acr: 'aal2' }), normalizeTransaction({ details })); // { acrValues: ['aal2'], maxAge: 300 }
 * ```
 */
export function boundUnmet(requirement: NormalizedRequirement | undefined, transaction: NormalizedTransaction): UnmetRequirement {
  const maxAge = Math.min(requirement?.maxAge ?? Number.POSITIVE_INFINITY, transaction.maxAge);
  return { acrValues: requirement?.acr !== undefined ? [requirement.acr] : [], maxAge, methods: requirement?.methods };
}

/**
 * The binding checks that come before the assurance check, in order: the
 * token is bound at all, its `txn` is the hash of its own details and of the
 * request's, it has a `jti` to be used once by, and the approval (`auth_time`,
 * else `iat`) is within the binding's `maxAge`.
 *
 * @param claims - verified claims
 * @param transaction - the request's transaction
 * @param unmet - what a refusal sends back (see {@link boundUnmet})
 * @param nowSeconds - the current time
 * @param toleranceSeconds - clock skew allowed between issuer and API
 * @returns the refusal (`unbound`, `mismatch`, `expired`), or `undefined` when the binding holds
 * @throws {@link InvalidTokenError} reason `claims` for a token whose `txn` is not its details' hash, or without `jti`
 * @example
 * ```ts
 * const refusal = checkTransaction(claims, transaction, boundUnmet(requirement, transaction), now, 5);
 * if (refusal) throw refusal;
 * ```
 */
export function checkTransaction(
  claims: AccessTokenClaims,
  transaction: NormalizedTransaction,
  unmet: UnmetRequirement,
  nowSeconds: number,
  toleranceSeconds: number,
): TransactionNotApprovedError | undefined {
  const { authorization_details: details, txn } = claims;
  if (details === undefined || txn === undefined) return new TransactionNotApprovedError('unbound', unmet, transaction.hint);
  if (ownHash(details) !== txn) {
    throw new InvalidTokenError('claims', 'The token\'s txn is not the hash of its authorization_details');
  }
  if (txn !== transaction.hint.txn) return new TransactionNotApprovedError('mismatch', unmet, transaction.hint);
  if (typeof claims.jti !== 'string' || claims.jti === '') {
    throw new InvalidTokenError('claims', 'A token bound to a transaction needs a jti, to be accepted once');
  }
  const approvedAt = claims.auth_time ?? claims.iat;
  if (approvedAt === undefined || nowSeconds - approvedAt > transaction.maxAge + toleranceSeconds) {
    return new TransactionNotApprovedError('expired', unmet, transaction.hint);
  }
  return undefined;
}

/** The hash of the token's own details, or `undefined` when they are not canonicalisable (a lone surrogate, 1e999). */
function ownHash(details: readonly unknown[]): string | undefined {
  try {
    return transactionHash(details);
  } catch {
    return undefined;
  }
}

/**
 * An assurance refusal on a bound route, with the transaction added so that
 * the step-up the client runs is a bound one. Built per request: the shared
 * refusal of the route's fixed requirement is left as it is.
 *
 * @param refusal - what {@link checkAssurance} returned
 * @param unmet - what a bound refusal sends back (see {@link boundUnmet})
 * @param transaction - the request's transaction
 * @example
 * ```ts
 * throw withTransactionHint(refusal, boundUnmet(requirement, transaction), transaction);
 * ```
 */
export function withTransactionHint(
  refusal: InsufficientUserAuthenticationError,
  unmet: UnmetRequirement,
  transaction: NormalizedTransaction,
): InsufficientUserAuthenticationError {
  return new InsufficientUserAuthenticationError(unmet, refusal.message, transaction.hint);
}

/**
 * The last check, once every other has passed: the token's first use.
 *
 * @param claims - verified claims that passed {@link checkTransaction} (so `jti` is a string)
 * @param transaction - the request's transaction
 * @param unmet - what a refusal sends back
 * @param store - where uses are remembered
 * @param toleranceSeconds - the store keeps the `jti` until the token's `exp` plus this
 * @throws {@link TransactionNotApprovedError} reason `replayed` when the token was used before
 * @example
 * ```ts
 * await consumeTransaction(claims, transaction, unmet, replayStore, 5);
 * ```
 */
export async function consumeTransaction(
  claims: AccessTokenClaims,
  transaction: NormalizedTransaction,
  unmet: UnmetRequirement,
  store: ReplayStore,
  toleranceSeconds: number,
): Promise<void> {
  if (!(await store.firstUse(claims.jti!, claims.exp + toleranceSeconds))) {
    throw new TransactionNotApprovedError('replayed', unmet, transaction.hint);
  }
}
