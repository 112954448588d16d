import type { SigningKeyState } from '../../keys/signing-keys.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, message } from '../pages/layout.js';
import { formatSeconds } from './admin-format.js';

/** A signing key as the keys page lists it: no key material. */
export interface SigningKeyRow {
  readonly kid: string;
  readonly alg: string;
  /** `active`: signs now; `pending`: published, signs from `activatesAt`; `retired`: published for verification only. */
  readonly state: SigningKeyState;
  readonly createdAt: number;
  readonly activatesAt: number;
  readonly retiredAt: number | null;
  /** For a retired key: when it leaves the JWKS at the earliest (every node stopped signing with it, plus the longest token lifetime). */
  readonly publishedUntil: number | null;
}

/** What the keys page shows. */
export interface KeysPageView {
  /** Newest first. */
  readonly keys: readonly SigningKeyRow[];
  /** The key this server process signs with now. */
  readonly signingKid: string | undefined;
  readonly csrfToken: string;
  readonly notice?: string | undefined;
}

function stateOf(key: SigningKeyRow): SafeHtml {
  switch (key.state) {
    case 'active':
      return html`<span class="state active" data-state="active">active</span>${key.retiredAt !== null && html` <span class="muted">retires ${formatSeconds(key.retiredAt)}</span>`}`;
    case 'pending':
      return html`<span class="state" data-state="pending">published</span> <span class="muted">signs from ${formatSeconds(key.activatesAt)}</span>`;
    default:
      return html`<span class="state disabled" data-state="retired">retired</span> <span class="muted">published until at least ${formatSeconds(key.publishedUntil)}</span>`;
  }
}

/**
 * The signing keys: kid, algorithm, state (active, published ahead of its
 * activation, or retired and until when it stays in the JWKS), created and
 * retired times, which key this process signs with, and the Rotate button.
 *
 * @param view - the keys and the form's token
 * @example
 * ```ts
 * adminLayout({ title: 'Signing keys', section: 'keys', admin }, keysPage({ keys, signingKid, csrfToken }));
 * ```
 */
export function keysPage(view: KeysPageView): SafeHtml {
  return html`<h1>Signing keys</h1>
<p class="muted">Tokens and step-up receipts are signed with ES256. Every node reloads the keys each minute: a new key is published before any node signs with it, and a retired key stays in the JWKS until every node has stopped signing with it and the longest-lived token it signed has expired.</p>
${message('notice', view.notice)}
<table class="admin-table" data-signing-keys><thead><tr><th scope="col">Key id (kid)</th><th scope="col">Algorithm</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Retired</th></tr></thead><tbody>
${view.keys.map((key) => html`<tr data-kid="${key.kid}"><td><code>${key.kid}</code>${key.kid === view.signingKid && html` <span class="tag" data-signing>signs here</span>`}</td><td>${key.alg}</td><td>${stateOf(key)}</td><td>${formatSeconds(key.createdAt)}</td><td>${formatSeconds(key.retiredAt)}</td></tr>`)}
</tbody></table>
<section aria-labelledby="rotate-heading">
<h2 id="rotate-heading">Rotate</h2>
<p>Rotating adds a new key and retires the current one, as <code>stepwise keys rotate</code> does. No restart is needed: every node publishes the new key within two minutes and signs with it from its activation.</p>
<form method="post" action="/admin/keys/rotate">${csrfField(view.csrfToken)}<button type="submit" class="danger">Rotate the signing key</button></form>
</section>`;
}
