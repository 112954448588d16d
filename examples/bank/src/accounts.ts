import { randomUUID } from 'node:crypto';

/** The currency of every Stepwise Bank account. */
export const CURRENCY = 'EUR';

/** The balance a new account opens with, in cents (12,500.00 EUR). */
export const OPENING_BALANCE_CENTS = 1_250_000;

/** One booked movement of money. Amounts are signed cents: negative leaves the account. */
export interface Transaction {
  readonly id: string;
  /** ISO 8601 time it was booked. */
  readonly bookedAt: string;
  /** The other party: payee of a transfer, or who paid in. */
  readonly counterparty: string;
  readonly reference: string;
  readonly amountCents: number;
}

/** An in-memory account, one per OpenID Connect subject. */
export interface Account {
  readonly subject: string;
  readonly holder: string;
  email: string | null;
  balanceCents: number;
  /** Newest first. */
  readonly transactions: Transaction[];
}

/** What the account is opened with, taken from the access token when it carries it. */
export interface AccountHolder {
  readonly name?: string | undefined;
  readonly email?: string | undefined;
}

/** A transfer the caller asked for, already validated. */
export interface TransferOrder {
  readonly amountCents: number;
  readonly payee: string;
  readonly reference: string;
}

const DAY_MS = 86_400_000;

// A plausible month of history, so the demo account does not look empty.
const SEED: readonly { daysAgo: number; counterparty: string; reference: string; amountCents: number }[] = [
  { daysAgo: 1, counterparty: 'Marktplatz Groceries', reference: 'Card payment', amountCents: -6_430 },
  { daysAgo: 3, counterparty: 'Northwind Energy', reference: 'Electricity, monthly', amountCents: -8_900 },
  { daysAgo: 6, counterparty: 'Lindenhof Properties', reference: 'Rent', amountCents: -115_000 },
  { daysAgo: 7, counterparty: 'Acme GmbH', reference: 'Salary', amountCents: 320_000 },
  { daysAgo: 12, counterparty: 'Café Aurora', reference: 'Card payment', amountCents: -740 },
];

/**
 * The bank's ledger: accounts opened on first use, transfers, and contact
 * details. Memory only: the demo starts afresh on every restart.
 */
export class AccountBook {
  private readonly accounts = new Map<string, Account>();

  /**
   * @param now - the clock, replaceable in tests
   */
  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The subject's account, opened with the demo balance and history the
   * first time it is asked for.
   *
   * @param subject - the `sub` of a verified access token
   * @param holder - name and email to open the account with
   * @example
   * ```ts
   * const account = book.accountFor('u-123', { name: 'Dana Demo' });
   * account.balanceCents; // 1250000
   * ```
   */
  accountFor(subject: string, holder: AccountHolder = {}): Account {
    const existing = this.accounts.get(subject);
    if (existing) return existing;
    const opened = this.now();
    const account: Account = {
      subject,
      holder: holder.name ?? 'Stepwise customer',
      email: holder.email ?? null,
      balanceCents: OPENING_BALANCE_CENTS,
      transactions: SEED.map((item) => ({
        id: randomUUID(),
        bookedAt: new Date(opened - item.daysAgo * DAY_MS).toISOString(),
        counterparty: item.counterparty,
        reference: item.reference,
        amountCents: item.amountCents,
      })),
    };
    this.accounts.set(subject, account);
    return account;
  }

  /**
   * Books a transfer out of the subject's account. The caller has checked
   * the amount against the balance; this checks again so a race cannot
   * overdraw.
   *
   * @param subject - whose account pays
   * @param order - amount, payee and reference
   * @returns the booked transaction, or `undefined` when the balance is too low
   */
  transfer(subject: string, order: TransferOrder): Transaction | undefined {
    const account = this.accountFor(subject);
    if (order.amountCents > account.balanceCents) return undefined;
    const transaction: Transaction = {
      id: randomUUID(),
      bookedAt: new Date(this.now()).toISOString(),
      counterparty: order.payee,
      reference: order.reference,
      amountCents: -order.amountCents,
    };
    account.balanceCents -= order.amountCents;
    account.transactions.unshift(transaction);
    return transaction;
  }

  /**
   * Replaces the contact email of the subject's account.
   *
   * @param subject - whose account
   * @param email - a validated address
   */
  changeEmail(subject: string, email: string): Account {
    const account = this.accountFor(subject);
    account.email = email;
    return account;
  }
}

/**
 * Cents as a decimal number of euros, for JSON.
 *
 * @param cents - an integer amount of cents
 * @example
 * ```ts
 * euros(500_000); // 5000
 * ```
 */
export function euros(cents: number): number {
  return cents / 100;
}
