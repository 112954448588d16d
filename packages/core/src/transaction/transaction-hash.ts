import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * The `txn` claim of a token or receipt bound to one transaction: the
 * base64url SHA-256 of the RFC 8785 canonical JSON of its
 * `authorization_details` array. Two requests with the same details in
 * another key order or number spelling get the same hash; any changed
 * amount, payee or resource field gets another.
 *
 * @param details - the `authorization_details` array
 * @throws {@link AuthorizationDetailsError} when the details are not canonicalisable JSON
 * @example
 * ```ts
 * transactionHash([{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' }]);
 * // 'mH3…' (43 characters)
 * ```
 */
export function transactionHash(details: readonly unknown[]): string {
  return createHash('sha256').update(canonicalJson(details), 'utf8').digest('base64url');
}
