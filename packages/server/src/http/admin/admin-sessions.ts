import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { listLiveSessions } from '../../storage/sessions.js';
import { html } from '../html.js';
import { message } from '../pages/layout.js';
import { FORM_RATE_LIMIT } from '../routes/forms.js';
import { revokeUserSession } from './admin-actions.js';
import { ADMIN_PAGE_SIZE, pageParam, pager } from './admin-format.js';
import { actorOf, requireAdmin } from './admin-gate.js';
import { adminLayout, sendAdminPage } from './admin-layout.js';
import { sessionTable } from './admin-user-views.js';

/** Session ids are the SHA-256 hex of the cookie token. */
const sessionParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const;

const revokeBody = {
  type: 'object',
  properties: { _csrf: { type: 'string', maxLength: 256 }, back: { type: 'string', enum: ['user', 'sessions'] } },
} as const;

/**
 * Every live session, newest first, and the revoke action the session
 * tables share (an `admin_action` event with `action: revoke_session`).
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAdminSessionPages(app: FastifyInstance, services: Services): void {
  app.get('/admin/sessions', {
    schema: { querystring: { type: 'object', properties: { page: pageParam, done: { type: 'string', maxLength: 32 } } } },
  }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { page = 1, done } = request.query as { page?: number; done?: string };
    const found = await listLiveSessions(services.db, {
      createdAfter: services.now() - services.config.tokens.sessionTtl, limit: ADMIN_PAGE_SIZE + 1, offset: (page - 1) * ADMIN_PAGE_SIZE,
    });
    return sendAdminPage(reply, adminLayout({ title: 'Sessions', section: 'sessions', admin: admin.username }, html`<h1>Active sessions</h1>
${message('notice', done === 'session-revoked' ? 'The session was ended.' : undefined)}
${sessionTable({ sessions: found.slice(0, ADMIN_PAGE_SIZE), csrfToken: admin.csrfToken, back: 'sessions' })}
${pager({ path: '/admin/sessions', query: new URLSearchParams(), page, more: found.length > ADMIN_PAGE_SIZE })}`));
  });

  app.post('/admin/sessions/:id/revoke', { config: FORM_RATE_LIMIT, schema: { params: sessionParams, body: revokeBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const userId = await revokeUserSession(services, actorOf(request, admin), (request.params as { id: string }).id);
    const back = (request.body as { back?: string } | undefined)?.back;
    return reply.redirect(back === 'sessions' ? '/admin/sessions?done=session-revoked' : `/admin/users/${userId}?done=session-revoked`, 303);
  });
}
