import type { Factor } from '../../storage/factors.js';
import { html } from '../html.js';
import { layout, message, type PageError } from './layout.js';

/** What the account page needs. */
export interface AccountPage {
  readonly username: string;
  readonly factors: readonly Factor[];
  /** The session's current level, as our counting rule gives it now. */
  readonly currentLevel: string | null;
  readonly notice?: string | undefined;
  readonly error?: PageError | undefined;
}

function date(seconds: number | null): string {
  return seconds === null ? 'never' : new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/**
 * Lists the user's authenticators with add and remove actions.
 *
 * @param page - the user and their factors
 */
export function renderAccountPage(page: AccountPage): string {
  const totp = page.factors.filter((factor) => factor.method === 'totp');
  return layout(
    { title: 'Your account', username: page.username },
    html`<h1>Your account</h1>
<p class="muted">This session’s assurance right now: <strong>${page.currentLevel ?? 'none'}</strong></p>
${message('notice', page.notice)}
${message('error', page.error)}
<h2>Sign-in methods</h2>
<ul class="factors">
<li><strong>Password</strong></li>
${totp.map(
  (factor) => html`<li><strong>${factor.name}</strong> <span class="muted">added ${date(factor.confirmedAt)}, last used ${date(factor.lastUsedAt)}</span>
<a href="/account/factors/${factor.id}/remove">Remove</a></li>`,
)}
</ul>
${totp.length === 0 && html`<p><a class="button" href="/account/totp">Add an authenticator app</a></p>`}
<p class="muted">Removing a sign-in method needs a verification code from the last five minutes.</p>`,
  );
}
