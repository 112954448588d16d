import { StepwiseClientError } from './errors.js';
import { isPendingRequest, type PendingRequest } from './pending-request.js';
import type { PrefixedStorage } from './prefixed-storage.js';

const TRANSACTION_KEY = 'transaction';

/**
 * What a redirect sign-in must remember while the page is away at the
 * authorization server: the secrets that bind the answer to this request,
 * where to go back to, and the API request to finish.
 * Records written before `bound` existed read as unbound.
 */
export interface SignInTransaction {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
  readonly pending?: PendingRequest;
  /**
   * The request asked for RFC 9396 authorization details: its token
   * approves one transaction, is sent once with `pending`, and is never
   * stored as the session's tokens.
   */
  readonly bound?: boolean;
}

/**
 * Shape check for a stored transaction.
 *
 * @param value - a parsed storage record
 * @example
 * ```ts
 * const transaction = store.read('transaction', isSignInTransaction);
 * ```
 */
export function isSignInTransaction(value: unknown): value is SignInTransaction {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.state === 'string' &&
    typeof record.nonce === 'string' &&
    typeof record.codeVerifier === 'string' &&
    typeof record.returnTo === 'string' &&
    (record.pending === undefined || isPendingRequest(record.pending)) &&
    (record.bound === undefined || typeof record.bound === 'boolean')
  );
}

/**
 * Saves the transaction of a redirect sign-in about to leave the page,
 * replacing any earlier one.
 *
 * @param store - the client's storage
 * @param transaction - the secrets, where to return, and what to replay
 * @example
 * ```ts
 * saveSignInTransaction(store, { ...secrets, returnTo: location.href });
 * ```
 */
export function saveSignInTransaction(store: PrefixedStorage, transaction: SignInTransaction): void {
  store.write(TRANSACTION_KEY, transaction);
}

/**
 * Takes the saved transaction a callback answers, once: it is deleted as
 * soon as its `state` matches, before anything else happens, so the same
 * callback can never be used twice. A callback with any other `state` (a
 * forged or stale one) is refused and leaves the real transaction in place.
 *
 * @param store - the client's storage
 * @param state - the `state` of the authorization response
 * @throws StepwiseClientError `ERR_CLIENT_STATE_MISMATCH` when no saved transaction has this state
 * @example
 * ```ts
 * const transaction = takeSignInTransaction(store, readAuthorizationResponse(location.href).state);
 * ```
 */
export function takeSignInTransaction(store: PrefixedStorage, state: string | undefined): SignInTransaction {
  const transaction = store.read(TRANSACTION_KEY, isSignInTransaction);
  if (transaction === undefined || state === undefined || state !== transaction.state) {
    throw new StepwiseClientError('ERR_CLIENT_STATE_MISMATCH');
  }
  store.remove(TRANSACTION_KEY);
  return transaction;
}
