import { html, trusted } from '../html.js';
import { layout } from './layout.js';

/**
 * The RP-initiated logout confirmation (`/session/end`), in Stepwise's own
 * look instead of oidc-provider's default page, which loads web fonts from a
 * third party.
 *
 * @param input - the provider's hidden form (its CSRF token inside) and the client's name
 */
export function renderLogoutConfirmPage(input: { form: string; clientName: string | undefined }): string {
  return layout(
    { title: 'Sign out' },
    html`<h1>Sign out of Stepwise?</h1>
<p>${input.clientName ? html`<strong>${input.clientName}</strong> asks to sign you out.` : 'An application asks to sign you out.'}
Signing out ends your Stepwise session on this browser.</p>
${trusted(input.form)}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm" class="quiet">Stay signed in</button></p>`,
  );
}

/** Shown after a logout that had no `post_logout_redirect_uri` to return to. */
export function renderLoggedOutPage(): string {
  return layout({ title: 'Signed out' }, html`<h1>You are signed out</h1>
<p>Your Stepwise session has ended. You can close this window.</p>
<p><a href="/">Back to the start</a></p>`);
}
