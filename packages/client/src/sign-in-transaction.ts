import { isPendingRequest, type PendingRequest } from './pending-request.js';

/**
 * What a redirect sign-in must remember while the page is away at the
 * authorization server: the secrets that bind the answer to this request,
 * where to go back to, and the API request to finish.
 */
export interface SignInTransaction {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
  readonly pending?: PendingRequest;
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
    (record.pending === undefined || isPendingRequest(record.pending))
  );
}
