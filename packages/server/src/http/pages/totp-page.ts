import { html } from '../html.js';
import { csrfField, layout, message, type PageError } from './layout.js';

/** What the step-up code page needs. */
export interface TotpPage {
  readonly action: string;
  readonly csrfToken: string;
  readonly username: string;
  /** Why the code is asked for, in plain words. */
  readonly reason: string;
  readonly error?: PageError | undefined;
  readonly notice?: string | undefined;
  readonly cancelUrl?: string | undefined;
  /** Link to re-enter the password instead, when that also helps. */
  readonly passwordUrl?: string | undefined;
}

/**
 * Asks for the code from the authenticator app, and nothing else.
 *
 * @param page - form target, reason and messages
 */
export function renderTotpPage(page: TotpPage): string {
  return layout(
    { title: 'Verification code', username: page.username },
    html`<h1>Enter your verification code</h1>
<p>${page.reason}</p>
${message('notice', page.notice)}
${message('error', page.error)}
<form method="post" action="${page.action}">
${csrfField(page.csrfToken)}
<label for="code">6-digit code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,8}" maxlength="8" required autofocus>
<button type="submit">Verify</button>
</form>
${page.passwordUrl && html`<p><a href="${page.passwordUrl}">Use your password instead</a></p>`}
${page.cancelUrl && html`<p><a href="${page.cancelUrl}">Cancel</a></p>`}`,
  );
}
