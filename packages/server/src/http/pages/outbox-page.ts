import type { OutboxMessage } from '../../storage/outbox.js';
import { html } from '../html.js';
import { layout } from './layout.js';

/** One outbox message as the page and the JSON answer show it. */
export interface OutboxEntry {
  readonly message: OutboxMessage;
  /** The code the message carries, when one is found in it. */
  readonly code: string | undefined;
}

function time(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/**
 * The development outbox: what would have been emailed or texted, newest
 * first, each code also in a `data-code` attribute for scripts and tests.
 *
 * @param entries - the messages, newest first
 * @example
 * ```ts
 * sendPage(reply, 200, renderOutboxPage(entries));
 * ```
 */
export function renderOutboxPage(entries: readonly OutboxEntry[]): string {
  return layout(
    { title: 'Development outbox' },
    html`<h1>Development outbox</h1>
<p class="error" role="note">For development only. Every code this server sends is shown here and written to its log, to anyone who asks. Turn <code>outbox</code> off in production.</p>
${entries.length === 0 && html`<p class="muted">No messages in the last day.</p>`}
${entries.map(
  ({ message, code }) => html`<article class="outbox-message">
<h2>${message.channel === 'email' ? 'Email' : 'Text message'} to ${message.destination}</h2>
<p class="muted"><time datetime="${new Date(message.createdAt * 1000).toISOString()}">${time(message.createdAt)}</time>${message.channel === 'email' && html` · ${message.subject}`}</p>
${code !== undefined && html`<p>Code: <strong class="code" data-code="${code}">${code}</strong></p>`}
<pre>${message.body}</pre>
</article>`,
)}`,
  );
}
