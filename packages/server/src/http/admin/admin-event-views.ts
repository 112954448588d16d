import { AUDIT_EVENT_TYPES, type AuditRecord } from '@stepwise/core';
import { html, type SafeHtml } from '../html.js';
import { formatMillis, jsonCell } from './admin-format.js';

/** The timeline's filters as the form holds them. */
export interface EventFilterForm {
  readonly types: readonly string[];
  readonly subject: string;
  readonly client: string;
  /** `YYYY-MM-DD` (UTC) or empty. */
  readonly since: string;
  readonly until: string;
}

/** Usernames of the user ids the events name, to label them. */
export type UserLabels = ReadonlyMap<string, string>;

function subjectLink(subject: string | null, labels: UserLabels): SafeHtml | false {
  return subject !== null && html`<a href="/admin/users/${encodeURIComponent(subject)}" title="${subject}">${labels.get(subject) ?? subject}</a>`;
}

function actorLabel(actor: string | null, labels: UserLabels): SafeHtml | string | null {
  const userId = actor?.startsWith('user:') ? actor.slice('user:'.length) : undefined;
  const username = userId === undefined ? undefined : labels.get(userId);
  return username === undefined ? actor : html`<span title="${actor}">user:${username}</span>`;
}

/**
 * The user ids a list of events names (subjects, `user:` actors), to look their usernames up.
 *
 * @param events - the events
 */
export function userIdsOf(events: readonly AuditRecord[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    if (event.subject !== null) ids.add(event.subject);
    if (event.actor?.startsWith('user:')) ids.add(event.actor.slice('user:'.length));
  }
  return [...ids];
}

/**
 * A table of audit events, newest first, each row linking to its detail.
 *
 * @param events - the events
 * @param labels - usernames by user id
 */
export function eventTable(events: readonly AuditRecord[], labels: UserLabels): SafeHtml {
  if (events.length === 0) return html`<p class="muted" data-empty="events">No events.</p>`;
  const rows = events.map((event) => html`<tr data-seq="${event.seq}" data-type="${event.type}">
<td><a href="/admin/events/${event.seq}">#${event.seq}</a></td>
<td class="time">${formatMillis(event.at)}</td>
<td class="type"><code>${event.type}</code></td>
<td>${actorLabel(event.actor, labels)}</td>
<td>${subjectLink(event.subject, labels)}</td>
<td>${event.client}</td>
<td>${event.ip}</td>
<td>${event.outcome}</td>
<td>${jsonCell(event.requirement)}</td>
<td>${jsonCell(event.rules)}</td>
<td>${jsonCell(event.signals)}</td>
</tr>`);
  return html`<table class="admin-table events">
<thead><tr><th>#</th><th>Time</th><th>Type</th><th>Actor</th><th>Subject</th><th>Client</th><th>IP</th><th>Outcome</th><th>Requirement</th><th>Rules</th><th>Signals</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/**
 * The timeline's filter form: a GET form (bookmarkable, no CSRF needed).
 *
 * @param filter - the filters in force
 */
export function eventFilterForm(filter: EventFilterForm): SafeHtml {
  const boxes = AUDIT_EVENT_TYPES.map((type) => html`<label><input type="checkbox" name="type" value="${type}"${filter.types.includes(type) ? html` checked` : ''}> ${type}</label>`);
  return html`<form method="get" action="/admin/events" class="admin-filter">
<fieldset class="admin-types"><legend>Types (none ticked: all)</legend>${boxes}</fieldset>
<div class="admin-search">
<div><label for="subject">Subject (user id)</label><input type="text" id="subject" name="subject" value="${filter.subject}" maxlength="128"></div>
<div><label for="client">Client</label><input type="text" id="client" name="client" value="${filter.client}" maxlength="128"></div>
<div><label for="since">Since (UTC)</label><input type="date" id="since" name="since" value="${filter.since}"></div>
<div><label for="until">Until (UTC, inclusive)</label><input type="date" id="until" name="until" value="${filter.until}"></div>
<button type="submit">Filter</button> <a href="/admin/events">Clear</a>
</div>
</form>`;
}

function field(name: string, value: SafeHtml | string | number | null | false): SafeHtml {
  return html`<dt>${name}</dt><dd>${value === null || value === false ? html`<span class="muted">—</span>` : value}</dd>`;
}

function pretty(value: unknown): SafeHtml | false {
  return value !== null && value !== undefined && html`<pre class="admin-json">${JSON.stringify(value, null, 2)}</pre>`;
}

/**
 * Every field of one event, its hash and the hash it links to.
 *
 * @param event - the event
 * @param labels - usernames by user id
 */
export function eventDetail(event: AuditRecord, labels: UserLabels): SafeHtml {
  return html`<dl class="admin-fields" data-seq="${event.seq}">
${field('Sequence', String(event.seq))}
${field('Time', formatMillis(event.at))}
${field('Type', html`<code>${event.type}</code>`)}
${field('Actor', actorLabel(event.actor, labels))}
${field('Subject', subjectLink(event.subject, labels))}
${field('Client', event.client)}
${field('IP', event.ip)}
${field('Device', event.device)}
${field('Outcome', event.outcome)}
${field('Requirement', pretty(event.requirement))}
${field('Rules', pretty(event.rules))}
${field('Signals', pretty(event.signals))}
${field('Details', pretty(event.details))}
${field('Hash', html`<code data-hash>${event.hash}</code>`)}
${field('Previous hash', event.seq > 1 ? html`<a href="/admin/events/${event.seq - 1}"><code>${event.prevHash}</code></a>` : html`<code>${event.prevHash}</code>`)}
</dl>`;
}
