/** The largest single transfer the bank accepts, in cents (1,000,000.00 EUR). */
export const MAX_TRANSFER_CENTS = 100_000_000;

/** Transfers above this many cents need a fresh second factor. */
export const STEP_UP_THRESHOLD_CENTS = 100_000;

/** Bad input: the API answers 400 with the code `ERR_VALIDATION` and the field at fault. */
export class ValidationError extends Error {
  /** The stable error code sent to clients. */
  readonly code = 'ERR_VALIDATION';

  /**
   * @param field - the body field at fault, or `body` for the body as a whole
   * @param message - a sentence for the user
   */
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** A transfer request whose shape is valid; the balance is checked against the account. */
export interface TransferInput {
  readonly amountCents: number;
  readonly payee: string;
  readonly reference: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An amount in euros as whole cents. Only JSON numbers are accepted, and
 * their shortest decimal form must have at most two decimals, so `0.1`
 * is 10 cents and `1.005` or `1e21` are refused rather than rounded.
 *
 * @param value - the `amount` field as parsed from JSON
 * @throws {@link ValidationError} for anything else
 * @example
 * ```ts
 * amountInCents(5000);   // 500000
 * amountInCents(12.5);   // 1250
 * ```
 */
export function amountInCents(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError('amount', 'Enter the amount as a number of euros.');
  }
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(value));
  if (!match) throw new ValidationError('amount', 'Enter a positive amount with at most two decimals.');
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (cents <= 0) throw new ValidationError('amount', 'The amount must be more than zero.');
  if (cents > MAX_TRANSFER_CENTS) throw new ValidationError('amount', 'The amount is above the limit of €1,000,000.00 per transfer.');
  return cents;
}

/**
 * Trims a free-text field and checks its length; control characters are
 * refused so a payee name cannot forge lines in statements.
 */
function text(body: Record<string, unknown>, field: string, label: string, min: number, max: number): string {
  const value = body[field] ?? '';
  if (typeof value !== 'string') throw new ValidationError(field, `The ${label} must be text.`);
  const trimmed = value.trim();
  if (trimmed.length < min) throw new ValidationError(field, `Enter the ${label}.`);
  if (trimmed.length > max) throw new ValidationError(field, `The ${label} must be at most ${max} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new ValidationError(field, `The ${label} contains characters that are not allowed.`);
  return trimmed;
}

/**
 * Reads the body of `POST /api/transfers`.
 *
 * @param body - the parsed JSON body (`undefined` when there was none)
 * @throws {@link ValidationError} naming the first field at fault
 * @example
 * ```ts
 * parseTransfer({ amount: 50, payee: 'Sam Saver' });
 * // { amountCents: 5000, payee: 'Sam Saver', reference: '' }
 * ```
 */
export function parseTransfer(body: unknown): TransferInput {
  if (!isRecord(body)) throw new ValidationError('body', 'Send the transfer as a JSON object.');
  return {
    amountCents: amountInCents(body.amount),
    payee: text(body, 'payee', 'payee', 1, 80),
    reference: text(body, 'reference', 'reference', 0, 140),
  };
}

/**
 * Reads the body of `PUT /api/account/email`. The check is deliberately
 * plain (one `@`, a dot in the domain, no spaces): the address is confirmed
 * by using it, not by a pattern.
 *
 * @param body - the parsed JSON body
 * @throws {@link ValidationError} for a missing or malformed address
 * @example
 * ```ts
 * parseEmail({ email: ' dana@example.com ' }); // 'dana@example.com'
 * ```
 */
export function parseEmail(body: unknown): string {
  if (!isRecord(body)) throw new ValidationError('body', 'Send the new address as a JSON object.');
  const email = text(body, 'email', 'email address', 1, 254);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new ValidationError('email', 'Enter an email address such as name@example.com.');
  return email;
}
