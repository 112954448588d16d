import type { ActionDetail, AuthorizationDetail, DetailTypes, PaymentDetail } from './authorization-details.js';
import { DEFAULT_DETAIL_TYPES } from './authorization-details.js';

/** One line of an approval: a label and its value, both plain text. */
export interface DetailFact {
  readonly label: string;
  readonly value: string;
}

/** A detail in plain words, for the page where the user approves it. */
export interface DetailDescription {
  /** One sentence: `Pay 5,000.00 EUR to ACME`. */
  readonly summary: string;
  /** Every field, labelled: amount, payee, account, reference, or the resource's fields. */
  readonly facts: readonly DetailFact[];
}

/** `5000.5` → `5,000.5`: thousands grouped, the decimals kept as written. */
function groupThousands(amount: string): string {
  const [whole = '', decimals] = amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return decimals === undefined ? grouped : `${grouped}.${decimals}`;
}

/** An IBAN in groups of four, as it is printed on cards and statements. */
function spacedIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

function describePayment(detail: PaymentDetail): DetailDescription {
  const amount = `${groupThousands(detail.instructedAmount.amount)} ${detail.instructedAmount.currency}`;
  const facts: DetailFact[] = [
    { label: 'Amount', value: amount },
    { label: 'Payee', value: detail.creditorName },
  ];
  if (detail.creditorAccount) facts.push({ label: 'Payee account', value: spacedIban(detail.creditorAccount.iban) });
  if (detail.debtorAccount) facts.push({ label: 'From account', value: spacedIban(detail.debtorAccount.iban) });
  if (detail.remittanceInformationUnstructured !== undefined) facts.push({ label: 'Reference', value: detail.remittanceInformationUnstructured });
  return { summary: `Pay ${amount} to ${detail.creditorName}`, facts };
}

function describeAction(detail: ActionDetail, words: string | undefined): DetailDescription {
  const facts: DetailFact[] = [{ label: 'Action', value: words ?? detail.action }];
  for (const [key, value] of Object.entries(detail.resource ?? {})) facts.push({ label: key.replace(/_/g, ' '), value: String(value) });
  const target = Object.values(detail.resource ?? {}).map(String).join(', ');
  return { summary: `${words ?? detail.action}${target === '' ? '' : `: ${target}`}`, facts };
}

/**
 * Says what a checked detail approves, in plain words (PSD2 RTS article
 * 5(1)(a): the payer is made aware of the amount and the payee). Amounts
 * are shown exactly as written in the details, never rounded.
 *
 * @param detail - a detail that passed {@link checkAuthorizationDetails}
 * @param types - the configured types, for action wording
 * @example
 * ```ts
 * describeDetail({ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' }).summary;
 * // 'Pay 5,000.00 EUR to ACME'
 * ```
 */
export function describeDetail(detail: AuthorizationDetail, types: DetailTypes = DEFAULT_DETAIL_TYPES): DetailDescription {
  const definition = types[detail.type];
  // A type no longer configured (the file changed while a step-up waited) is shown field by field.
  if (!definition) return describeUnknown(detail);
  if (definition.kind === 'payment') return describePayment(detail as PaymentDetail);
  const action = detail as ActionDetail;
  return describeAction(action, definition.actions?.[action.action]);
}

function describeUnknown(detail: AuthorizationDetail): DetailDescription {
  const facts = Object.entries(detail)
    .filter(([key]) => key !== 'type')
    .map(([key, value]) => ({ label: key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
  return { summary: detail.type, facts };
}
