import { html, type SafeHtml } from '../html.js';

/** Inputs every page shares. */
export interface PageFrame {
  readonly title: string;
  /** Signed-in username shown in the header. */
  readonly username?: string | undefined;
  /** Pages that run a WebAuthn ceremony load the WebAuthn scripts (ours, same origin). */
  readonly webauthn?: boolean;
}

/**
 * The page shell: one stylesheet, a header with the product name, and no
 * scripts except on WebAuthn pages (which cannot work without them).
 *
 * @param frame - title and signed-in user
 * @param body - the page's main content
 */
export function layout(frame: PageFrame, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Stepwise</title>
<link rel="stylesheet" href="/assets/stepwise.css">
${frame.webauthn && html`<script src="/assets/simplewebauthn-browser.js" defer></script>
<script src="/assets/webauthn.js" defer></script>`}
</head>
<body>
<header class="top"><a class="brand" href="/">Stepwise</a>${frame.username && html`<span class="who">Signed in as <strong>${frame.username}</strong> · <a href="/account">Account</a> · <a href="/logout">Sign out</a></span>`}</header>
<main class="card">
${body}
</main>
</body>
</html>`.value;
}

/**
 * A hidden CSRF field for a form.
 *
 * @param token - the CSRF token of this response
 */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/**
 * An error or notice paragraph, announced to screen readers.
 *
 * @param kind - `error` or `notice`
 * @param content - the notice text or the error
 */
export function message(kind: 'notice', text: string | undefined): SafeHtml | false;
export function message(kind: 'error', error: PageError | undefined): SafeHtml | false;
export function message(kind: 'error' | 'notice', content: string | PageError | undefined): SafeHtml | false {
  if (!content) return false;
  if (typeof content === 'string') return html`<p class="${kind}" role="status">${content}</p>`;
  return html`<p class="error" role="alert" data-error-code="${content.code}">${content.message}</p>`;
}

/** An error shown on a form, with its stable code (tests and scripts read `data-error-code`). */
export interface PageError {
  readonly code: string;
  readonly message: string;
}
