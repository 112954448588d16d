import type { FastifyReply } from 'fastify';
import { html, type SafeHtml } from '../html.js';

/** A part of the console, one nav entry each. */
export type AdminSection = 'users' | 'sessions' | 'events' | 'decisions' | 'charts' | 'policy' | 'keys' | 'clients' | 'api_keys';

/** The console's nav, in order: section, label, path. */
export const ADMIN_NAV: ReadonlyArray<readonly [AdminSection, string, string]> = [
  ['users', 'Users', '/admin/users'],
  ['sessions', 'Sessions', '/admin/sessions'],
  ['events', 'Events', '/admin/events'],
  ['decisions', 'Decisions', '/admin/decisions'],
  ['charts', 'Charts', '/admin/charts'],
  ['policy', 'Policy', '/admin/policy'],
  ['keys', 'Signing keys', '/admin/keys'],
  ['clients', 'Clients', '/admin/clients'],
  ['api_keys', 'API keys', '/admin/api-keys'],
];

/**
 * A console page: the shared stylesheet and the console's, a header with
 * the admin's name, the console nav (the current section marked with
 * `aria-current`), and no scripts.
 *
 * @param frame - page title, the nav section it belongs to, the admin's username
 * @param body - the page's content
 * @example
 * ```ts
 * sendAdminPage(reply, adminLayout({ title: 'Users', section: 'users', admin: admin.username }, html`<h1>Users</h1>`));
 * ```
 */
export function adminLayout(frame: { title: string; section: AdminSection; admin: string }, body: SafeHtml): string {
  const nav = ADMIN_NAV.map(([section, label, path]) => section === frame.section
    ? html`<li><a href="${path}" aria-current="page">${label}</a></li>`
    : html`<li><a href="${path}">${label}</a></li>`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${frame.title} · Stepwise admin</title>
<link rel="stylesheet" href="/assets/stepwise.css">
<link rel="stylesheet" href="/assets/admin.css">
</head>
<body class="admin">
<header class="top"><a class="brand" href="/admin">Stepwise <span class="tag">admin</span></a><span class="who">Signed in as <strong>${frame.admin}</strong> · <a href="/account">Account</a> · <a href="/logout">Sign out</a></span></header>
<nav class="admin-nav" aria-label="Console"><ul>${nav}</ul></nav>
<main class="admin-main" data-section="${frame.section}">
${body}
</main>
</body>
</html>`.value;
}

/**
 * Sends a console page: HTML, never cached (it shows people's data), not
 * to be framed or opened cross-origin.
 *
 * @param reply - the reply
 * @param page - the rendered page ({@link adminLayout})
 * @param status - HTTP status, 200 by default
 */
export function sendAdminPage(reply: FastifyReply, page: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .header('x-robots-tag', 'noindex')
    .send(page);
}
