import { AuthorizationDetailsError } from './authorization-details-error.js';

/** One RFC 9396 authorization detail: a `type` and that type's fields. */
export interface AuthorizationDetail {
  readonly type: string;
  readonly [field: string]: unknown;
}

/**
 * A payment the user approves (the `payment_initiation` shape of RFC 9396
 * section 2 and the Berlin Group / UK Open Banking APIs).
 */
export interface PaymentDetail extends AuthorizationDetail {
  /** Amount as a decimal string (`"5000.00"`), never a binary float, and an ISO 4217 currency. */
  readonly instructedAmount: { readonly currency: string; readonly amount: string };
  /** The payee as the user knows them. */
  readonly creditorName: string;
  readonly creditorAccount?: { readonly iban: string };
  /** The account paid from, when the user has several. */
  readonly debtorAccount?: { readonly iban: string };
  /** The payment reference. */
  readonly remittanceInformationUnstructured?: string;
}

/** Any other sensitive action: its name and the fields of the resource it acts on. */
export interface ActionDetail extends AuthorizationDetail {
  /** Like the decision API's actions: `environment.delete`. */
  readonly action: string;
  /** Flat fields of the resource: `{ environment: "production", project: "acme" }`. */
  readonly resource?: Readonly<Record<string, string | number | boolean>>;
}

/** How the details of one configured type are checked and shown. */
export type DetailKind = 'payment' | 'action';

/** A type of authorization details the server accepts, as configured. */
export interface DetailTypeDefinition {
  readonly kind: DetailKind;
  /** Currencies a payment may use; any ISO 4217 code when absent. */
  readonly currencies?: readonly string[] | undefined;
  /** Actions an action detail may name, with the words shown for each; any action when absent. */
  readonly actions?: Readonly<Record<string, string>> | undefined;
}

/** The configured types by name. */
export type DetailTypes = Readonly<Record<string, DetailTypeDefinition>>;

/** The two types every server knows unless the configuration says otherwise. */
export const DEFAULT_DETAIL_TYPES: DetailTypes = {
  payment_initiation: { kind: 'payment' },
  stepwise_action: { kind: 'action' },
};

/** At most this many details in one request: one approval page must show them all. */
export const MAX_DETAILS = 5;

const AMOUNT = /^(?:0|[1-9]\d{0,14})(?:\.\d{1,3})?$/;
const CURRENCY = /^[A-Z]{3}$/;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;
const ACTION = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const RESOURCE_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyFields(detail: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(detail)) {
    // Every field is shown to the user; a field we could not show is refused.
    if (!allowed.includes(key)) throw new AuthorizationDetailsError(`${path}.${key}`, `is not a field of this type (allowed: ${allowed.join(', ')})`);
  }
}

function text(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw new AuthorizationDetailsError(path, 'must be non-empty text');
  if (value.length > max) throw new AuthorizationDetailsError(path, `must be at most ${max} characters`);
  if (CONTROL.test(value)) throw new AuthorizationDetailsError(path, 'must not contain control characters');
  if (value !== value.trim()) throw new AuthorizationDetailsError(path, 'must not start or end with spaces');
  return value;
}

/** ISO 13616 check digits: the IBAN read as a number, mod 97, is 1. */
function ibanChecks(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = char >= 'A' ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

function checkPayment(detail: Record<string, unknown>, definition: DetailTypeDefinition, path: string): void {
  onlyFields(detail, ['type', 'instructedAmount', 'creditorName', 'creditorAccount', 'debtorAccount', 'remittanceInformationUnstructured'], path);
  const amount = detail.instructedAmount;
  if (!isRecord(amount)) throw new AuthorizationDetailsError(`${path}.instructedAmount`, 'must be an object with currency and amount');
  onlyFields(amount, ['currency', 'amount'], `${path}.instructedAmount`);
  if (typeof amount.currency !== 'string' || !CURRENCY.test(amount.currency)) {
    throw new AuthorizationDetailsError(`${path}.instructedAmount.currency`, 'must be an ISO 4217 code such as "EUR"');
  }
  if (definition.currencies && !definition.currencies.includes(amount.currency)) {
    throw new AuthorizationDetailsError(`${path}.instructedAmount.currency`, `is not accepted here (accepted: ${definition.currencies.join(', ')})`);
  }
  if (typeof amount.amount !== 'string' || !AMOUNT.test(amount.amount) || Number(amount.amount) <= 0) {
    throw new AuthorizationDetailsError(`${path}.instructedAmount.amount`, 'must be a positive decimal string such as "5000.00"');
  }
  text(detail.creditorName, `${path}.creditorName`, 140);
  for (const field of ['creditorAccount', 'debtorAccount'] as const) {
    const account = detail[field];
    if (account === undefined) continue;
    if (!isRecord(account)) throw new AuthorizationDetailsError(`${path}.${field}`, 'must be an object with an iban');
    onlyFields(account, ['iban'], `${path}.${field}`);
    if (typeof account.iban !== 'string' || !IBAN.test(account.iban) || !ibanChecks(account.iban)) {
      throw new AuthorizationDetailsError(`${path}.${field}.iban`, 'must be a valid IBAN in capitals without spaces');
    }
  }
  if (detail.remittanceInformationUnstructured !== undefined) {
    text(detail.remittanceInformationUnstructured, `${path}.remittanceInformationUnstructured`, 140);
  }
}

function checkAction(detail: Record<string, unknown>, definition: DetailTypeDefinition, path: string): void {
  onlyFields(detail, ['type', 'action', 'resource'], path);
  if (typeof detail.action !== 'string' || !ACTION.test(detail.action)) {
    throw new AuthorizationDetailsError(`${path}.action`, 'must be letters, digits and . _ : - (such as "environment.delete")');
  }
  if (definition.actions && !Object.hasOwn(definition.actions, detail.action)) {
    throw new AuthorizationDetailsError(`${path}.action`, `is not an action of this type (known: ${Object.keys(definition.actions).join(', ')})`);
  }
  if (detail.resource === undefined) return;
  if (!isRecord(detail.resource)) throw new AuthorizationDetailsError(`${path}.resource`, 'must be an object of fields');
  const entries = Object.entries(detail.resource);
  if (entries.length > 20) throw new AuthorizationDetailsError(`${path}.resource`, 'must have at most 20 fields');
  for (const [key, value] of entries) {
    const field = `${path}.resource.${key}`;
    if (!RESOURCE_FIELD.test(key)) throw new AuthorizationDetailsError(field, 'field names are letters, digits and _');
    if (typeof value === 'string') text(value, field, 200);
    else if (!(typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      throw new AuthorizationDetailsError(field, 'must be text, a finite number or true/false');
    }
  }
}

/**
 * Checks an `authorization_details` array against the configured types.
 * Each detail must be of a known type and carry only that type's fields,
 * because the approval page shows every field: what is not shown cannot
 * be approved.
 *
 * @param details - the parsed `authorization_details` value
 * @param types - the configured types (default {@link DEFAULT_DETAIL_TYPES})
 * @returns the same details, typed
 * @throws {@link AuthorizationDetailsError} naming the first field at fault
 * @example
 * ```ts
 * checkAuthorizationDetails([{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' }]);
 * ```
 */
export function checkAuthorizationDetails(details: unknown, types: DetailTypes = DEFAULT_DETAIL_TYPES): AuthorizationDetail[] {
  if (!Array.isArray(details) || details.length === 0) throw new AuthorizationDetailsError('', 'must be a non-empty JSON array');
  if (details.length > MAX_DETAILS) throw new AuthorizationDetailsError('', `must have at most ${MAX_DETAILS} entries`);
  details.forEach((detail: unknown, index) => checkAuthorizationDetail(detail, types, `[${index}]`));
  return details as AuthorizationDetail[];
}

/**
 * Checks one detail (see {@link checkAuthorizationDetails}).
 *
 * @param detail - one member of `authorization_details`
 * @param types - the configured types
 * @param path - its place, for messages: `[0]`
 * @throws {@link AuthorizationDetailsError}
 * @example
 * ```ts
 * checkAuthorizationDetail({ type: 'stepwise_action', action: 'environment.delete', resource: { name: 'production' } }, DEFAULT_DETAIL_TYPES);
 * ```
 */
export function checkAuthorizationDetail(detail: unknown, types: DetailTypes, path = '[0]'): AuthorizationDetail {
  if (!isRecord(detail)) throw new AuthorizationDetailsError(path, 'must be a JSON object');
  if (typeof detail.type !== 'string' || !Object.hasOwn(types, detail.type)) {
    throw new AuthorizationDetailsError(`${path}.type`, `must be one of ${Object.keys(types).join(', ')}`);
  }
  const definition = types[detail.type]!;
  if (definition.kind === 'payment') checkPayment(detail, definition, path);
  else checkAction(detail, definition, path);
  return detail as AuthorizationDetail;
}
