import type { TotpEnrollment } from '../../flows/totp-enrollment.js';
import { html, trusted } from '../html.js';
import { csrfField, layout, message, type PageError } from './layout.js';

/** What the authenticator app enrollment page needs. */
export interface EnrollTotpPage {
  readonly action: string;
  readonly csrfToken: string;
  readonly username: string;
  readonly enrollment: TotpEnrollment;
  /** Why enrollment is asked for now (a step-up the user cannot yet meet). */
  readonly reason?: string | undefined;
  readonly error?: PageError | undefined;
  readonly cancelUrl?: string | undefined;
}

/**
 * Shows the QR code, the `otpauth://` link and the key to type by hand, and
 * asks for a first code to confirm.
 *
 * @param page - enrollment data and form target
 */
export function renderEnrollTotpPage(page: EnrollTotpPage): string {
  const { enrollment } = page;
  return layout(
    { title: 'Add an authenticator app', username: page.username },
    html`<h1>Add an authenticator app</h1>
${page.reason && html`<p class="notice" role="status">${page.reason}</p>`}
<ol class="steps">
<li>Open an authenticator app (Google Authenticator, 1Password, Aegis, …) and scan this code:
<div class="qr" role="img" aria-label="QR code for your authenticator app">${trusted(enrollment.qrSvg)}</div>
<p class="muted">On this device? <a href="${enrollment.uri}">Open in your authenticator app</a>. Or type this key: <code class="secret">${enrollment.typedSecret}</code></p></li>
<li>Enter the 6-digit code the app shows:</li>
</ol>
${message('error', page.error)}
<form method="post" action="${page.action}">
${csrfField(page.csrfToken)}
<input type="hidden" name="factor_id" value="${enrollment.factorId}">
<label for="code">Code from the app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,8}" maxlength="8" required autofocus>
<button type="submit">Confirm and continue</button>
</form>
${page.cancelUrl && html`<p><a href="${page.cancelUrl}">Cancel</a></p>`}`,
  );
}
