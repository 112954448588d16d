import type { AuditRecord, AuthenticationEvent } from '@stepwise/core';
import type { Factor } from '../../storage/factors.js';
import type { SessionRecord } from '../../storage/sessions.js';
import type { User } from '../../storage/users.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, message } from '../pages/layout.js';
import { eventTable } from './admin-event-views.js';
import { formatSeconds, pager } from './admin-format.js';

/** Where a revoke form sends the admin back to. */
export type RevokeReturn = 'user' | 'sessions';

function stateTag(user: User): SafeHtml {
  return user.disabled ? html`<span class="state disabled" data-state="locked">Locked</span>` : html`<span class="state active" data-state="active">Active</span>`;
}

/**
 * The search form and one page of matching accounts.
 *
 * @param input - the query, the page of users, whether more follow
 */
export function userList(input: { query: string; users: readonly User[]; page: number; more: boolean }): SafeHtml {
  const rows = input.users.map((user) => html`<tr data-user="${user.id}">
<td><a href="/admin/users/${user.id}">${user.username}</a></td><td>${user.displayName}</td><td>${user.email}</td>
<td>${stateTag(user)}</td><td>${formatSeconds(user.createdAt)}</td></tr>`);
  const query = new URLSearchParams(input.query === '' ? {} : { q: input.query });
  return html`<h1>Users</h1>
<form method="get" action="/admin/users" class="admin-search" role="search">
<div><label for="q">Username, email or name</label><input type="search" id="q" name="q" value="${input.query}" maxlength="128"></div>
<button type="submit">Search</button>
</form>
${input.users.length === 0
    ? html`<p class="muted" data-empty="users">No users match.</p>`
    : html`<table class="admin-table users"><thead><tr><th>Username</th><th>Name</th><th>Email</th><th>State</th><th>Created</th></tr></thead><tbody>${rows}</tbody></table>`}
${pager({ path: '/admin/users', query, page: input.page, more: input.more })}`;
}

function eventsOf(events: readonly AuthenticationEvent[]): SafeHtml | string {
  if (events.length === 0) return 'none';
  return html`${events.slice(-4).map((event) => html`<span class="tag">${event.method} ${formatSeconds(event.at)}</span> `)}`;
}

/**
 * A revoke button for one session.
 *
 * @param csrfToken - the response's CSRF token
 * @param sessionId - the session
 * @param back - where to land afterwards
 */
export function revokeForm(csrfToken: string, sessionId: string, back: RevokeReturn): SafeHtml {
  return html`<form method="post" action="/admin/sessions/${sessionId}/revoke" class="inline">${csrfField(csrfToken)}<input type="hidden" name="back" value="${back}"><button type="submit" class="danger">Revoke</button></form>`;
}

/**
 * A table of live sessions with a revoke button each.
 *
 * @param input - the sessions (with their events, and usernames on the session list), the CSRF token, where revoking returns to
 */
export function sessionTable(input: {
  sessions: ReadonlyArray<SessionRecord & { username?: string; events?: readonly AuthenticationEvent[] }>;
  csrfToken: string;
  back: RevokeReturn;
}): SafeHtml {
  if (input.sessions.length === 0) return html`<p class="muted" data-empty="sessions">No active sessions.</p>`;
  const withUser = input.back === 'sessions';
  const rows = input.sessions.map((session) => html`<tr data-session="${session.id}">
${withUser && html`<td><a href="/admin/users/${session.userId}">${session.username}</a></td>`}
<td>${formatSeconds(session.createdAt)}</td><td>${formatSeconds(session.lastSeenAt)}</td><td>${session.ip}</td><td>${session.userAgent}</td>
${!withUser && html`<td>${eventsOf(session.events ?? [])}</td>`}
<td>${revokeForm(input.csrfToken, session.id, input.back)}</td></tr>`);
  return html`<table class="admin-table sessions"><thead><tr>${withUser && html`<th>User</th>`}<th>Created</th><th>Last seen</th><th>IP</th><th>User agent</th>${!withUser && html`<th>Last events</th>`}<th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** What the user detail page shows. */
export interface UserDetail {
  readonly user: User;
  readonly isAdmin: boolean;
  readonly factors: readonly Factor[];
  readonly sessions: ReadonlyArray<SessionRecord & { events: readonly AuthenticationEvent[] }>;
  readonly events: readonly AuditRecord[];
  /** Failed sign-ins and wrong codes in the current lockout windows. */
  readonly failures: { readonly signIn: number; readonly codes: number };
  readonly csrfToken: string;
  readonly notice?: string | undefined;
}

function factorTable(factors: readonly Factor[]): SafeHtml {
  if (factors.length === 0) return html`<p class="muted" data-empty="factors">No second factor: the password only.</p>`;
  const rows = factors.map((factor) => html`<tr data-factor="${factor.id}" data-method="${factor.method}">
<td><code>${factor.method}</code></td><td>${factor.name}${factor.confirmedAt === null && html` <span class="tag">enrollment not finished</span>`}</td>
<td>${formatSeconds(factor.createdAt)}</td><td>${formatSeconds(factor.lastUsedAt)}</td></tr>`);
  return html`<table class="admin-table factors"><thead><tr><th>Method</th><th>Label</th><th>Created</th><th>Last used</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * One account: profile, state, factors, live sessions, recent events and the actions.
 *
 * @param detail - what to show
 */
export function userDetail(detail: UserDetail): SafeHtml {
  const { user } = detail;
  const base = `/admin/users/${user.id}`;
  return html`<h1>${user.username} ${stateTag(user)}${detail.isAdmin && html` <span class="tag">admin</span>`}</h1>
${message('notice', detail.notice)}
<dl class="admin-fields">
<dt>User id</dt><dd><code>${user.id}</code></dd>
<dt>Display name</dt><dd>${user.displayName ?? '—'}</dd>
<dt>Email</dt><dd>${user.email ?? '—'}</dd>
<dt>Phone</dt><dd>${user.phone ?? '—'}</dd>
<dt>Password</dt><dd>${user.passwordHash ? 'set' : 'none'}</dd>
<dt>Created</dt><dd>${formatSeconds(user.createdAt)}</dd>
<dt>Failed sign-ins now counted</dt><dd data-failures="sign-in">${detail.failures.signIn}</dd>
<dt>Wrong codes now counted</dt><dd data-failures="codes">${detail.failures.codes}</dd>
</dl>
<div class="admin-actions">
${user.disabled
    ? html`<form method="post" action="${base}/unlock">${csrfField(detail.csrfToken)}<button type="submit">Unlock</button></form>`
    : html`<form method="post" action="${base}/lock">${csrfField(detail.csrfToken)}<button type="submit" class="danger">Lock</button></form>`}
<a class="button danger" href="${base}/reset-factors">Reset factors…</a>
</div>
<p class="muted">Lock disables the account and ends its sessions. Unlock enables it and clears its failed attempts. Reset factors removes every second factor, keeps the password, and ends its sessions.</p>
<section><h2>Factors</h2>${factorTable(detail.factors)}</section>
<section><h2>Active sessions</h2>${sessionTable({ sessions: detail.sessions, csrfToken: detail.csrfToken, back: 'user' })}</section>
<section><h2>Recent events</h2>${eventTable(detail.events, new Map([[user.id, user.username]]))}
<p><a href="/admin/events?subject=${encodeURIComponent(user.id)}">All events for ${user.username}</a></p></section>`;
}

/**
 * The confirmation before a factor reset.
 *
 * @param input - the account, its factor count, the CSRF token
 */
export function resetConfirm(input: { user: User; factors: number; csrfToken: string }): SafeHtml {
  const base = `/admin/users/${input.user.id}`;
  return html`<h1>Reset the sign-in methods of ${input.user.username}?</h1>
<p>This removes all ${input.factors} of their second factors (authenticator apps, passkeys, security keys, code destinations, recovery codes) and ends every session. Their password stays. Applications that ask for a multi-factor level will refuse them until they enroll again.</p>
<form method="post" action="${base}/reset-factors">${csrfField(input.csrfToken)}<input type="hidden" name="confirm" value="reset"><button type="submit" class="danger">Reset factors</button></form>
<p><a href="${base}">Cancel</a></p>`;
}
