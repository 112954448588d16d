import { html, type SafeHtml } from '../html.js';
import { formatSeconds } from './admin-format.js';

/** An OIDC client as the clients page lists it: metadata only, never a secret. */
export interface ClientRow {
  readonly clientId: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function list(items: readonly string[], empty: string): SafeHtml {
  return items.length === 0 ? html`<span class="muted">${empty}</span>` : html`${items.map((item, index) => html`${index > 0 && html`<br>`}<code>${item}</code>`)}`;
}

/**
 * The OpenID Connect clients: id, name, redirect URIs, grant types,
 * whether pushed authorization requests (PAR) are required, the
 * `authorization_details` types it may bind, and how it authenticates.
 * Clients are added with `stepwise clients add` or in the configuration.
 *
 * @param clients - the registrations, by id
 * @example
 * ```ts
 * adminLayout({ title: 'Clients', section: 'clients', admin }, clientsPage(await listClients(db)));
 * ```
 */
export function clientsPage(clients: readonly ClientRow[]): SafeHtml {
  return html`<h1>OIDC clients</h1>
<p class="muted">Applications that sign users in through Stepwise. Add one with <code>stepwise clients add &lt;id&gt; --redirect-uri …</code> (or in the configuration's <code>clients</code>); secrets are shown only when created.</p>
${clients.length === 0
    ? html`<p class="muted" data-empty>No client is registered.</p>`
    : html`<table class="admin-table" data-clients><thead><tr><th scope="col">Client id</th><th scope="col">Name</th><th scope="col">Redirect URIs</th><th scope="col">Grant types</th><th scope="col">PAR required</th><th scope="col">authorization_details types</th><th scope="col">Authentication</th><th scope="col">Registered</th></tr></thead><tbody>
${clients.map((client) => {
    const { metadata } = client;
    const grants = strings(metadata.grant_types);
    const auth = typeof metadata.token_endpoint_auth_method === 'string' ? metadata.token_endpoint_auth_method : 'client_secret_basic';
    return html`<tr data-client-id="${client.clientId}"><td><code>${client.clientId}</code></td><td>${typeof metadata.client_name === 'string' ? metadata.client_name : '—'}</td><td>${list(strings(metadata.redirect_uris), 'none')}</td><td>${list(grants.length === 0 ? ['authorization_code'] : grants, '')}</td><td data-par="${metadata.require_pushed_authorization_requests === true}">${metadata.require_pushed_authorization_requests === true ? 'yes' : 'no'}</td><td>${list(strings(metadata.authorization_details_types), 'none')}</td><td>${auth === 'none' ? 'public (PKCE)' : html`confidential <code>${auth}</code>`}</td><td>${formatSeconds(client.createdAt)}</td></tr>`;
  })}
</tbody></table>`}`;
}
