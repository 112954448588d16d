import { describeDetail, type AuthorizationDetail, type DetailTypes } from '@stepwise/core';
import { html, type SafeHtml } from '../html.js';

/**
 * The transaction a step-up approves, shown above the factor form: one
 * sentence per detail (`Pay 5,000.00 EUR to ACME`) and every field under
 * it, so the user sees the amount and the payee while authenticating
 * (PSD2 RTS article 5(1)(a), dynamic linking).
 *
 * @param details - checked `authorization_details`
 * @param types - the configured types, for wording
 * @returns the block, or an empty fragment without details
 * @example
 * ```ts
 * html`${transactionSummary(details, services.config.authorizationDetails.types)}<form>…</form>`;
 * ```
 */
export function transactionSummary(details: readonly AuthorizationDetail[] | undefined, types: DetailTypes): SafeHtml {
  if (!details || details.length === 0) return html``;
  return html`<section class="transaction" data-transaction aria-label="What you are approving">
<h2>You are approving</h2>
${details.map((detail) => {
    const { summary, facts } = describeDetail(detail, types);
    return html`<p class="summary" data-transaction-summary>${summary}</p>
<dl>${facts.map((fact) => html`<dt>${fact.label}</dt><dd>${fact.value}</dd>`)}</dl>`;
  })}
</section>`;
}

/**
 * A transaction in one line: each detail's summary, joined with `; `.
 *
 * @param details - checked `authorization_details`
 * @param types - the configured types, for wording
 * @example
 * ```ts
 * transactionWords(details, types); // 'Pay 5,000.00 EUR to ACME'
 * ```
 */
export function transactionWords(details: readonly AuthorizationDetail[], types: DetailTypes): string {
  return details.map((detail) => describeDetail(detail, types).summary).join('; ');
}

/**
 * What a sent code approves, in the words of its email or text message:
 * the transaction itself, so the payer learns the amount and payee from
 * the message that carries the code (PSD2 RTS article 5(1)(a)).
 *
 * @param details - the bound details, if any
 * @param appName - who asks (the client's or API key's name)
 * @param types - the configured types, for wording
 * @returns the words, or `undefined` for an unbound step-up (its caller words the action)
 * @example
 * ```ts
 * transactionPurpose(details, 'bank-backend', types); // 'approve “Pay 5,000.00 EUR to ACME” for bank-backend'
 * ```
 */
export function transactionPurpose(details: readonly AuthorizationDetail[] | null | undefined, appName: string, types: DetailTypes): string | undefined {
  if (!details) return undefined;
  return `approve “${transactionWords(details, types)}” for ${appName}`;
}
