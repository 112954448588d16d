import { AUDIT_EVENT_TYPES, SimpleError, ValidationError, type AuditEventType } from '@stepwise/core';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { listAuditEvents, type AuditFilter } from '../../storage/audit-events.js';
import { usernamesByIds } from '../../storage/users.js';
import { html } from '../html.js';
import { requireAdmin } from './admin-gate.js';
import { eventDetail, eventFilterForm, eventTable, userIdsOf, type EventFilterForm } from './admin-event-views.js';
import { ADMIN_PAGE_SIZE } from './admin-format.js';
import { adminLayout, sendAdminPage } from './admin-layout.js';

const DAY_MS = 86_400_000;

/** A date input's value: empty, or `YYYY-MM-DD`. */
const dateParam = { type: 'string', maxLength: 10, pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' } as const;

const timelineQuery = {
  type: 'object',
  properties: {
    type: { type: 'array', maxItems: AUDIT_EVENT_TYPES.length, items: { type: 'string', enum: [...AUDIT_EVENT_TYPES] } },
    subject: { type: 'string', maxLength: 128 },
    client: { type: 'string', maxLength: 128 },
    since: dateParam,
    until: dateParam,
    before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  },
} as const;

const eventParams = {
  type: 'object',
  required: ['seq'],
  properties: { seq: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
} as const;

interface TimelineQuery {
  type?: AuditEventType[];
  subject?: string;
  client?: string;
  since?: string;
  until?: string;
  before?: number;
}

/** Midnight UTC of a `YYYY-MM-DD` date, in epoch ms; a date that does not exist is a validation error. */
function dayStart(name: 'since' | 'until', value: string): number {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new ValidationError(`querystring.${name}`, 'must be a date (YYYY-MM-DD)');
  }
  return ms;
}

function filterOf(query: TimelineQuery): { form: EventFilterForm; filter: AuditFilter } {
  const form: EventFilterForm = {
    types: [...new Set(query.type ?? [])],
    subject: query.subject?.trim() ?? '',
    client: query.client?.trim() ?? '',
    since: query.since ?? '',
    until: query.until ?? '',
  };
  const filter: AuditFilter = {
    ...(form.types.length > 0 && { types: form.types as AuditEventType[] }),
    ...(form.subject !== '' && { subject: form.subject }),
    ...(form.client !== '' && { client: form.client }),
    ...(form.since !== '' && { since: dayStart('since', form.since) }),
    // The date input names a whole day: up to the next midnight.
    ...(form.until !== '' && { until: dayStart('until', form.until) + DAY_MS }),
    ...(query.before !== undefined && { beforeSeq: query.before }),
  };
  return { form, filter };
}

function olderLink(form: EventFilterForm, beforeSeq: number): string {
  const query = new URLSearchParams();
  for (const type of form.types) query.append('type', type);
  for (const name of ['subject', 'client', 'since', 'until'] as const) if (form[name] !== '') query.set(name, form[name]);
  query.set('before', String(beforeSeq));
  return `/admin/events?${query.toString()}`;
}

/**
 * The events timeline: the audit log newest first, filtered by type,
 * subject, client and day (UTC), paged by sequence number; and one event's
 * detail with its place in the hash chain.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAdminEventPages(app: FastifyInstance, services: Services): void {
  app.get('/admin/events', { schema: { querystring: timelineQuery } }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { form, filter } = filterOf(request.query as TimelineQuery);
    const found = await listAuditEvents(services.db, { ...filter, limit: ADMIN_PAGE_SIZE + 1 });
    const events = found.slice(0, ADMIN_PAGE_SIZE);
    const last = events[events.length - 1];
    const labels = await usernamesByIds(services.db, userIdsOf(events));
    return sendAdminPage(reply, adminLayout({ title: 'Events', section: 'events', admin: admin.username }, html`<h1>Events</h1>
${eventFilterForm(form)}
${eventTable(events, labels)}
<nav class="pager" aria-label="Pages">${filter.beforeSeq !== undefined && html`<a href="${olderLink(form, Number.MAX_SAFE_INTEGER)}">Newest</a>`}${found.length > ADMIN_PAGE_SIZE && last && html`<a href="${olderLink(form, last.seq)}" rel="next">Older</a>`}</nav>`));
  });

  app.get('/admin/events/:seq', { schema: { params: eventParams } }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { seq } = request.params as { seq: number };
    const [event] = await listAuditEvents(services.db, { beforeSeq: seq + 1, limit: 1 });
    if (!event || event.seq !== seq) throw new SimpleError('ERR_NOT_FOUND', 'No such event');
    return sendAdminPage(reply, adminLayout({ title: `Event #${seq}`, section: 'events', admin: admin.username }, html`<h1>Event #${seq}</h1>
${eventDetail(event, await usernamesByIds(services.db, userIdsOf([event])))}
<p><a href="/admin/events">Back to the timeline</a></p>`));
  });
}
