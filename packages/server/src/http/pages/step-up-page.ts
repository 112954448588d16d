import type { MethodId } from '@stepwise/core';
import type { AuthenticationStart } from '../../flows/webauthn-authentication.js';
import { html, type SafeHtml } from '../html.js';
import { METHOD_CHOICE_LABELS } from '../step-up/method-choice.js';
import { csrfField, layout, message, type PageError } from './layout.js';
import { webauthnFields } from './webauthn-fields.js';

/** An email address or phone number a code can be sent to. */
export interface CodeDestination {
  readonly factorId: string;
  readonly method: 'email_otp' | 'sms_otp';
  /** Shown masked: `d•••@example.com`. */
  readonly masked: string;
}

/** What the step-up page needs. */
export interface StepUpPage {
  /** Form actions are `<base>/<answer><query>`. */
  readonly base: string;
  /** Appended to every action and link (`?return_to=…`), or empty. */
  readonly query: string;
  readonly csrfToken: string;
  readonly username: string;
  /** Why the user is asked, in plain words. */
  readonly reason: string;
  /** Methods that can meet the requirement, strongest first. */
  readonly offered: readonly MethodId[];
  readonly selected: MethodId;
  readonly error?: PageError | undefined;
  readonly notice?: string | undefined;
  readonly cancelUrl?: string | undefined;
  /** The ceremony, when WebAuthn is selected. */
  readonly webauthn?: AuthenticationStart | undefined;
  /** Where codes can go, when email or SMS is selected. */
  readonly destinations?: readonly CodeDestination[];
  /** The transaction being approved ({@link transactionSummary}), shown above the form. */
  readonly transaction?: SafeHtml | undefined;
}

function codeField(label: string, inputMode: 'numeric' | 'text', maxLength: number): SafeHtml {
  return html`<label for="code">${label}</label>
<input id="code" name="code" type="text" inputmode="${inputMode}" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" maxlength="${maxLength}" required autofocus>`;
}

function methodForm(page: StepUpPage): SafeHtml {
  const action = (answer: string) => `${page.base}/${answer}${page.query}`;
  const csrf = csrfField(page.csrfToken);
  switch (page.selected) {
    case 'webauthn':
      return html`<form method="post" action="${action('webauthn')}" data-webauthn="authenticate">
${webauthnFields(page.csrfToken, page.webauthn ?? { ceremonyId: '', options: {} })}
<p>Use the passkey on this device, your phone, or your security key.</p>
<p class="error" data-webauthn-unsupported hidden>This browser cannot use passkeys. Choose another way below.</p>
<button type="submit">Use passkey or security key</button>
</form>`;
    case 'totp':
      return html`<form method="post" action="${action('totp')}">
${csrf}${codeField('6-digit code from your authenticator app', 'numeric', 8)}
<button type="submit">Verify</button>
</form>`;
    case 'recovery_code':
      return html`<form method="post" action="${action('recovery-code')}">
${csrf}${codeField('One of your recovery codes', 'text', 24)}
<p class="muted">Each recovery code works once.</p>
<button type="submit">Verify</button>
</form>`;
    case 'email_otp':
    case 'sms_otp': {
      const destinations = (page.destinations ?? []).filter((destination) => destination.method === page.selected);
      return html`${destinations.map(
        (destination) => html`<form method="post" action="${action('send-code')}" class="send">
${csrf}<input type="hidden" name="factor_id" value="${destination.factorId}">
<button type="submit" class="quiet">Send a code to ${destination.masked}</button>
</form>`,
      )}
<form method="post" action="${action('code')}">
${csrf}<input type="hidden" name="method" value="${page.selected}">
${codeField(page.selected === 'email_otp' ? 'Code from the email' : 'Code from the text message', 'numeric', 12)}
<button type="submit">Verify</button>
</form>`;
    }
    default:
      return html``;
  }
}

const HEADINGS: Readonly<Partial<Record<MethodId, string>>> = {
  webauthn: 'Confirm with your passkey',
  totp: 'Enter your verification code',
  email_otp: 'Confirm with an emailed code',
  sms_otp: 'Confirm with a texted code',
  recovery_code: 'Use a recovery code',
};

/**
 * The step-up page: the selected method's form, and links to the other
 * methods that can meet the requirement (and only those).
 *
 * @param page - methods, selection, ceremony and messages
 */
export function renderStepUpPage(page: StepUpPage): string {
  const others = page.offered.filter((method) => method !== page.selected);
  const separator = page.query ? '&' : '?';
  return layout(
    { title: 'Confirm it’s you', username: page.username, webauthn: page.selected === 'webauthn' },
    html`<h1>${HEADINGS[page.selected] ?? 'Confirm it’s you'}</h1>
<p>${page.reason}</p>
${page.transaction}
${message('notice', page.notice)}
${message('error', page.error)}
${methodForm(page)}
${others.length > 0 && html`<h2>Other ways to confirm</h2>
<ul class="methods">${others.map((method) => html`<li><a href="${page.base}${page.query}${separator}method=${method}" data-method="${method}">${METHOD_CHOICE_LABELS[method]}</a></li>`)}</ul>`}
${page.cancelUrl && html`<p><a href="${page.cancelUrl}">Cancel</a></p>`}`,
  );
}
