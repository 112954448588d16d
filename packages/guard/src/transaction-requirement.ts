import { canonicalJson, ConfigError, transactionHash, type AuthorizationDetail } from '@stepwise/core';
import type { TransactionHint } from './errors.js';

/** Seconds an approval stays usable when the route says nothing else. */
export const DEFAULT_TRANSACTION_MAX_AGE = 300;

/**
 * The transaction one request performs, which the token must have been
 * approved for (RFC 9396 `authorization_details`, bound by the `txn` hash).
 *
 * @example
 * ```ts
 * const transaction: TransactionRequirement = {
 *   details: [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' }],
 *   maxAge: 300,
 * };
 * ```
 */
export interface TransactionRequirement {
  /** The details as the user must have approved them, built from the request. */
  readonly details: readonly AuthorizationDetail[];
  /**
   * Seconds since the approval (the token's `auth_time`, else its `iat`)
   * during which it may be used; default {@link DEFAULT_TRANSACTION_MAX_AGE}.
   */
  readonly maxAge?: number | undefined;
}

/** A checked transaction requirement, with the hint refusals send back. */
export interface NormalizedTransaction {
  readonly maxAge: number;
  readonly hint: TransactionHint;
}

// Requirements requireTransaction built and checked already, with their result.
const prepared = new WeakMap<TransactionRequirement, NormalizedTransaction>();

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Checks the `maxAge` of a binding.
 *
 * @param maxAge - seconds, or `undefined` for the default
 * @returns the seconds to apply
 * @throws {@link ConfigError} unless a whole number of seconds, 0 or more
 * @example
 * ```ts
 * transactionMaxAge(undefined); // 300
 * ```
 */
export function transactionMaxAge(maxAge: number | undefined): number {
  if (maxAge === undefined) return DEFAULT_TRANSACTION_MAX_AGE;
  if (!(Number.isSafeInteger(maxAge) && maxAge >= 0)) {
    throw new ConfigError('guard requirement transaction.maxAge', `must be a whole number of seconds, 0 or more, got ${String(maxAge)}`);
  }
  return maxAge;
}

/**
 * Checks a transaction the application built and prepares what the guard
 * compares and sends: its hash and its canonical form. Bad details are the
 * application's mistake, so they throw a {@link ConfigError} (answered by the
 * framework's error handler), never a 401 the client would try to satisfy.
 *
 * @param transaction - as the route built it
 * @throws {@link ConfigError} when `details` is not a non-empty array of plain
 *   objects with a string `type`, is not canonicalisable JSON, or `maxAge` is bad
 * @example
 * ```ts
 * normalizeTransaction({ details: [{ type: 'stepwise_action', action: 'environment.delete' }] }).hint.txn;
 * ```
 */
export function normalizeTransaction(transaction: TransactionRequirement): NormalizedTransaction {
  const known = prepared.get(transaction);
  if (known) return known;
  const { details } = transaction;
  if (!Array.isArray(details) || details.length === 0) {
    throw new ConfigError('guard requirement transaction.details', 'must be a non-empty array of authorization details');
  }
  details.forEach((detail: unknown, index) => {
    if (!isPlainObject(detail) || typeof detail.type !== 'string' || detail.type === '') {
      throw new ConfigError(`guard requirement transaction.details[${index}]`, 'must be a plain object with a string "type"');
    }
  });
  const maxAge = transactionMaxAge(transaction.maxAge);
  let canonical: string;
  try {
    canonical = canonicalJson(details);
  } catch (error) {
    const refused = new ConfigError('guard requirement transaction.details', (error as Error).message);
    refused.cause = error;
    throw refused;
  }
  const hint: TransactionHint = {
    // A copy from the canonical text: what is compared, sent and shown can no longer change.
    details: JSON.parse(canonical) as AuthorizationDetail[],
    txn: transactionHash(details),
    encoded: Buffer.from(canonical, 'utf8').toString('base64url'),
  };
  return { maxAge, hint };
}

/**
 * Normalises a transaction the guard itself froze and remembers the result,
 * so that a request's requirement is checked once, when it is built.
 *
 * @param transaction - a frozen requirement from {@link requireTransaction}
 * @returns the same object
 */
export function prepareTransaction(transaction: TransactionRequirement): TransactionRequirement {
  prepared.set(transaction, normalizeTransaction(transaction));
  return transaction;
}
