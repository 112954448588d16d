import { SimpleError } from '@stepwise/core';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { listOutboxMessages, type OutboxMessage } from '../../storage/outbox.js';
import { renderOutboxPage, type OutboxEntry } from '../pages/outbox-page.js';
import { sendPage } from './forms.js';

/** Messages the page lists. */
const SHOWN = 50;

/*
 * The table has no code column: the code is read back from the text that
 * was sent, where it is the only run of 6 to 10 digits.
 */
function codeIn(message: OutboxMessage): string | undefined {
  return /(?<!\d)\d{6,10}(?!\d)/.exec(message.body)?.[0];
}

/**
 * `GET /dev/outbox`: with `outbox` on, the messages this server sent in the
 * last day, as a page or, for `Accept: application/json`, as
 * `{ messages: [{ id, channel, to, subject, body, code, created_at }] }`;
 * with it off, a 404 like any unknown path.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 * @example
 * ```ts
 * registerDevOutboxRoute(app, services);
 * ```
 */
export function registerDevOutboxRoute(app: FastifyInstance, services: Services): void {
  if (services.config.outbox) {
    services.logger.warn('the development outbox is on: every code sent is logged and shown at /dev/outbox; never use it in production');
  }
  app.get('/dev/outbox', async (request, reply) => {
    if (!services.config.outbox) throw new SimpleError('ERR_NOT_FOUND');
    const entries: OutboxEntry[] = (await listOutboxMessages(services.db, SHOWN)).map((message) => ({ message, code: codeIn(message) }));
    const accept = request.headers.accept ?? '';
    if (accept.includes('application/json') && !accept.includes('text/html')) {
      return reply.header('cache-control', 'no-store').send({
        messages: entries.map(({ message, code }) => ({
          id: message.id,
          channel: message.channel,
          to: message.destination,
          subject: message.subject,
          body: message.body,
          code: code ?? null,
          created_at: message.createdAt,
        })),
      });
    }
    return sendPage(reply, 200, renderOutboxPage(entries));
  });
}
