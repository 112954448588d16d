const EUROS = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

/**
 * Cents as the bank writes money in messages.
 *
 * @param cents - an integer amount of cents
 * @example
 * ```ts
 * formatEuros(500_000); // '€5,000.00'
 * ```
 */
export function formatEuros(cents: number): string {
  return EUROS.format(cents / 100);
}
