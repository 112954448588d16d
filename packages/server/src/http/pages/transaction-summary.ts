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
