import type { AuthenticationStart } from '../../flows/webauthn-authentication.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, layout, message, type PageError } from './layout.js';
import { webauthnFields } from './webauthn-fields.js';

/** What the sign-in page needs. */
export interface SignInPage {
  readonly action: string;
  readonly csrfToken: string;
  readonly username?: string | undefined;
  /** Set when re-entering the password of a known session: the username is fixed. */
  readonly reauthenticate?: boolean;
  readonly clientName?: string | undefined;
  readonly error?: PageError | undefined;
  readonly cancelUrl?: string | undefined;
  /** Passkey sign-in: where the assertion goes and its ceremony (absent when passkeys are off). */
  readonly passkey?: { readonly action: string; readonly start: AuthenticationStart } | undefined;
  /** Other ways to confirm, when the password is one of several. */
  readonly alternatives?: ReadonlyArray<{ readonly href: string; readonly label: string; readonly method: string }>;
  /** The transaction being approved (`transactionSummary`), shown above the form. */
  readonly transaction?: SafeHtml | undefined;
}

/**
 * The username and password form: real labels, standard `autocomplete`
 * attributes, works without JavaScript.
 *
 * @param page - form target, CSRF token and messages
 */
export function renderSignInPage(page: SignInPage): string {
  const heading = page.reauthenticate ? 'Confirm it’s you' : 'Sign in';
  const { passkey } = page;
  return layout(
    { title: heading, webauthn: passkey !== undefined },
    html`<h1>${heading}</h1>
${page.clientName && html`<p class="muted">to continue to <strong>${page.clientName}</strong></p>`}
${page.transaction}
${message('error', page.error)}
<form method="post" action="${page.action}">
${csrfField(page.csrfToken)}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="${page.passkey ? 'username webauthn' : 'username'}" autocapitalize="none" spellcheck="false" required maxlength="256" value="${page.username ?? ''}"${page.reauthenticate ? html` readonly` : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${page.username ? html` autofocus` : ''}>
<button type="submit">${page.reauthenticate ? 'Continue' : 'Sign in'}</button>
</form>
${passkey && html`<form method="post" action="${passkey.action}" data-webauthn="authenticate" data-autofill>
${webauthnFields(page.csrfToken, passkey.start)}
<button type="submit" class="quiet">Sign in with a passkey</button>
</form>`}
${page.alternatives && page.alternatives.length > 0 && html`<h2>Other ways to confirm</h2>
<ul class="methods">${page.alternatives.map((item) => html`<li><a href="${item.href}" data-method="${item.method}">${item.label}</a></li>`)}</ul>`}
${page.cancelUrl && html`<p><a href="${page.cancelUrl}">Cancel and go back</a></p>`}`,
  );
}
