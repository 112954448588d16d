import type { AuthorizationDetail } from '@stepwise/guard';
import { CURRENCY } from './accounts.js';
import type { TransferInput } from './validation.js';

/**
 * Cents as the decimal string RFC 9396 payments carry (`"5000.00"`), built
 * with integer arithmetic so no float rounding can change what the user
 * approves.
 *
 * @param cents - a positive integer amount of cents
 * @example
 * ```ts
 * decimalAmount(500_000); // '5000.00'
 * ```
 */
export function decimalAmount(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * The `payment_initiation` detail a large transfer must be approved with.
 * The API builds it from the request it is about to book, and the browser
 * gets the same one in the step-up challenge, so the approval covers
 * exactly this amount, payee and reference.
 *
 * @param transfer - the validated transfer
 * @example
 * ```ts
 * paymentDetails({ amountCents: 500_000, payee: 'ACME', reference: '' });
 * // [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' }]
 * ```
 */
export function paymentDetails(transfer: TransferInput): AuthorizationDetail[] {
  return [{
    type: 'payment_initiation',
    instructedAmount: { currency: CURRENCY, amount: decimalAmount(transfer.amountCents) },
    creditorName: transfer.payee,
    ...(transfer.reference === '' ? {} : { remittanceInformationUnstructured: transfer.reference }),
  }];
}
