import type { Factor } from '../../storage/factors.js';
import type { WebauthnCredential } from '../../storage/webauthn-credentials.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, layout, message, type PageError } from './layout.js';

/** What the account page needs. */
export interface AccountPage {
  readonly username: string;
  readonly csrfToken: string;
  readonly factors: readonly Factor[];
  readonly credentials: readonly WebauthnCredential[];
  /** Unused recovery codes. */
  readonly recoveryCodesLeft: number;
  /** The session's current level, as our counting rule gives it now. */
  readonly currentLevel: string | null;
  /** What can be added on this server. */
  readonly available: { readonly webauthn: boolean; readonly email: boolean; readonly sms: boolean };
  readonly notice?: string | undefined;
  readonly error?: PageError | undefined;
}

/**
 * A date for people: `2026-11-22 14:02 UTC`.
 *
 * @param seconds - epoch seconds, or null for "never"
 */
export function displayDate(seconds: number | null): string {
  return seconds === null ? 'never' : new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

function credentialKind(credential: WebauthnCredential | undefined): string {
  if (!credential) return 'Passkey';
  if (credential.backedUp) return 'Synced passkey';
  return credential.transports.includes('internal') ? 'Passkey on one device' : 'Security key';
}

function factorRow(page: AccountPage, factor: Factor, detail: SafeHtml | string): SafeHtml {
  return html`<li data-factor="${factor.id}" data-method="${factor.method}"><strong>${factor.name}</strong> ${detail}
<span class="muted">added ${displayDate(factor.confirmedAt)}, last used ${displayDate(factor.lastUsedAt)}</span>
<form method="post" action="/account/factors/${factor.id}/rename" class="inline rename">${csrfField(page.csrfToken)}<input name="name" type="text" maxlength="64" required aria-label="New name for ${factor.name}" value="${factor.name}"><button type="submit" class="quiet">Rename</button></form>
<a href="/account/factors/${factor.id}/remove">Remove</a></li>`;
}

function section(title: string, items: SafeHtml[], empty: string, add: SafeHtml | false): SafeHtml {
  return html`<h2>${title}</h2>
${items.length > 0 ? html`<ul class="factors">${items}</ul>` : html`<p class="muted">${empty}</p>`}
${add}`;
}

/**
 * Lists the user's sign-in methods by kind, with rename, remove and add.
 *
 * @param page - the user, their factors and what the server offers
 */
export function renderAccountPage(page: AccountPage): string {
  const byFactor = new Map(page.credentials.map((credential) => [credential.factorId, credential]));
  const of = (method: Factor['method']) => page.factors.filter((factor) => factor.method === method);
  const passkeys = of('webauthn').map((factor) => {
    const credential = byFactor.get(factor.id);
    return factorRow(page, factor, html`<span class="tag">${credentialKind(credential)}</span> <span class="tag">phishing-resistant</span>${credential?.userVerified ? html` <span class="tag">PIN or biometric</span>` : ''}`);
  });
  const apps = of('totp').map((factor) => factorRow(page, factor, ''));
  const contacts = [...of('email_otp'), ...of('sms_otp')].map((factor) => factorRow(page, factor, html`<span class="muted">${factor.destination ?? ''}</span>`));
  return layout(
    { title: 'Your account', username: page.username },
    html`<h1>Your account</h1>
<p class="muted">This session’s assurance right now: <strong>${page.currentLevel ?? 'none'}</strong></p>
${message('notice', page.notice)}
${message('error', page.error)}
<h2>Password</h2>
<p class="muted">Something you know; always asked together with something you have for sensitive actions.</p>
${section('Passkeys and security keys', passkeys, 'None yet. Passkeys resist phishing and are the strongest way to confirm it’s you.',
  page.available.webauthn && html`<p><a class="button" href="/account/webauthn?kind=passkey">Add a passkey</a> <a class="button quiet" href="/account/webauthn?kind=security-key">Add a security key</a></p>`)}
${section('Authenticator app', apps, 'None yet.', apps.length === 0 && html`<p><a class="button quiet" href="/account/totp">Add an authenticator app</a></p>`)}
${section('Email and text message codes', contacts, 'None yet.', html`<p>${page.available.email && html`<a class="button quiet" href="/account/contacts?channel=email">Add an email address</a> `}${page.available.sms && html`<a class="button quiet" href="/account/contacts?channel=sms">Add a phone number</a>`}</p>`)}
<h2>Recovery codes</h2>
<p class="muted" data-recovery-left="${page.recoveryCodesLeft}">${page.recoveryCodesLeft > 0 ? `${page.recoveryCodesLeft} unused codes left.` : 'None. Recovery codes let you in when you lose your other devices.'}</p>
<p><a class="button quiet" href="/account/recovery-codes">${page.recoveryCodesLeft > 0 ? 'Generate new codes' : 'Generate recovery codes'}</a></p>
<p class="muted">Adding or removing a sign-in method, or new recovery codes, needs a fresh verification (within five minutes).</p>`,
  );
}
