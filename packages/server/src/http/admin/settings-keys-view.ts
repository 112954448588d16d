import { html, type SafeHtml } from '../html.js';
import { csrfField, message } from '../pages/layout.js';
import { formatSeconds } from './admin-format.js';

/** A signing key as the keys page lists it: no key material. */
export interface SigningKeyRow {
  readonly kid: string;
  readonly alg: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
}

/** What the keys page shows. */
export interface KeysPageView {
  /** Newest first. */
  readonly keys: readonly SigningKeyRow[];
  /** How long a retired key stays published (the longest token lifetime plus a minute). */
  readonly graceSeconds: number;
  /** The key this server process signs with (chosen when it started). */
  readonly signingKid: string | undefined;
  readonly csrfToken: string;
  readonly notice?: string | undefined;
}

function stateOf(key: SigningKeyRow, view: KeysPageView): SafeHtml {
  if (key.retiredAt === null) return html`<span class="state active" data-state="active">active</span>`;
  return html`<span class="state disabled" data-state="retired">retired</span> <span class="muted">published until ${formatSeconds(key.retiredAt + view.graceSeconds)}</span>`;
}

/**
 * The signing keys: kid, algorithm, state (active or retired, and until
 * when a retired key stays in the JWKS), created and retired times, which
 * key this process signs with, and the Rotate button.
 *
 * @param view - the keys and the form's token
 * @example
 * ```ts
 * adminLayout({ title: 'Signing keys', section: 'keys', admin }, keysPage({ keys, graceSeconds, signingKid, csrfToken }));
 * ```
 */
export function keysPage(view: KeysPageView): SafeHtml {
  const newest = view.keys.find((key) => key.retiredAt === null);
  const restartNeeded = newest !== undefined && view.signingKid !== undefined && newest.kid !== view.signingKid;
  return html`<h1>Signing keys</h1>
<p class="muted">Tokens and step-up receipts are signed with ES256. A retired key stays in the JWKS for ${view.graceSeconds} s, so tokens it signed keep verifying, and is deleted at the first start after that.</p>
${message('notice', view.notice)}
${restartNeeded && html`<p class="error" role="alert" data-restart-needed>This server still signs with <code>${view.signingKid}</code>: restart every node to sign with <code>${newest.kid}</code>.</p>`}
<table class="admin-table" data-signing-keys><thead><tr><th scope="col">Key id (kid)</th><th scope="col">Algorithm</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Retired</th></tr></thead><tbody>
${view.keys.map((key) => html`<tr data-kid="${key.kid}"><td><code>${key.kid}</code>${key.kid === view.signingKid && html` <span class="tag" data-signing>signs here</span>`}</td><td>${key.alg}</td><td>${stateOf(key, view)}</td><td>${formatSeconds(key.createdAt)}</td><td>${formatSeconds(key.retiredAt)}</td></tr>`)}
</tbody></table>
<section aria-labelledby="rotate-heading">
<h2 id="rotate-heading">Rotate</h2>
<p>Rotating adds a new key and retires the current one, as <code>stepwise keys rotate</code> does. Servers sign with the new key from their next start; until then they keep signing with the key they started with, and every node publishes both.</p>
<form method="post" action="/admin/keys/rotate">${csrfField(view.csrfToken)}<button type="submit" class="danger">Rotate the signing key</button></form>
</section>`;
}
