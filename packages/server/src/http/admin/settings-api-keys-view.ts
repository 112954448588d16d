import { html, type SafeHtml } from '../html.js';
import { csrfField, message, type PageError } from '../pages/layout.js';
import type { ApiKey, CreatedApiKey } from '../../storage/api-keys.js';
import { formatSeconds } from './admin-format.js';

/** What the API keys page shows. */
export interface ApiKeysPageView {
  /** Newest first, revoked ones included. */
  readonly keys: readonly ApiKey[];
  readonly csrfToken: string;
  /** A key just created: the only time its full value is on a page. */
  readonly created?: CreatedApiKey | undefined;
  readonly notice?: string | undefined;
  readonly error?: PageError | undefined;
  /** The create form's fields as typed, when it is shown again with an error. */
  readonly form?: { readonly name: string; readonly returnTo: string } | undefined;
}

function keyRow(key: ApiKey, csrfToken: string): SafeHtml {
  return html`<tr data-api-key="${key.name}" data-state="${key.revokedAt === null ? 'live' : 'revoked'}"><td><code>${key.name}</code></td><td><code>sw_${key.id}_…</code></td><td>${key.returnTo.length === 0 ? html`<span class="muted">none</span>` : key.returnTo.map((uri, index) => html`${index > 0 && html`<br>`}<code>${uri}</code>`)}</td><td>${formatSeconds(key.createdAt)}</td><td>${formatSeconds(key.lastUsedAt)}</td><td>${key.revokedAt === null
    ? html`<form method="post" action="/admin/api-keys/revoke">${csrfField(csrfToken)}<input type="hidden" name="name" value="${key.name}"><button type="submit" class="danger" aria-label="Revoke ${key.name}">Revoke</button></form>`
    : html`<span class="state disabled">revoked</span> ${formatSeconds(key.revokedAt)}`}</td></tr>`;
}

/**
 * The decision API's keys: name, id prefix, return URLs, created, last
 * used (to the minute), revoked, with a Revoke button for live ones; and a
 * form that creates a key and shows its secret once.
 *
 * @param view - the keys, the form, a key just created
 * @example
 * ```ts
 * adminLayout({ title: 'API keys', section: 'api_keys', admin }, apiKeysPage({ keys, csrfToken }));
 * ```
 */
export function apiKeysPage(view: ApiKeysPageView): SafeHtml {
  return html`<h1>API keys</h1>
<p class="muted">Backends call the decision API with these keys. Only a hash of each secret is stored: a key's full value is shown once, when it is created.</p>
${message('notice', view.notice)}
${view.created && html`<section class="notice" role="status" data-created-key="${view.created.name}" aria-labelledby="created-heading">
<h2 id="created-heading">Key ${view.created.name} created</h2>
<p>Copy it now into the calling backend's secrets; it will not be shown again.</p>
<p><code class="secret" data-secret>${view.created.key}</code></p>
</section>`}
${view.keys.length === 0
    ? html`<p class="muted" data-empty>No API key yet.</p>`
    : html`<table class="admin-table" data-api-keys><thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">return_to</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Revoked</th></tr></thead><tbody>
${view.keys.map((key) => keyRow(key, view.csrfToken))}
</tbody></table>`}
<section id="create" aria-labelledby="create-heading">
<h2 id="create-heading">Create a key</h2>
${message('error', view.error)}
<form method="post" action="/admin/api-keys/create">${csrfField(view.csrfToken)}
<label for="api-key-name">Name</label>
<input type="text" id="api-key-name" name="name" value="${view.form?.name ?? ''}" required maxlength="64" pattern="[A-Za-z0-9._~\\-]{1,64}" placeholder="bank-backend">
<label for="api-key-return-to">return_to URLs, one per line (optional)</label>
<textarea id="api-key-return-to" name="return_to" rows="3" cols="60" spellcheck="false" placeholder="https://bank.example/stepped-up">${view.form?.returnTo ?? ''}</textarea>
<p class="muted">Where the hosted challenge page may send users back: https (http only for localhost), no fragment.</p>
<button type="submit">Create</button>
</form>
</section>`;
}
