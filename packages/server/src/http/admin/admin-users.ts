import { SimpleError } from '@stepwise/core';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { isAdmin } from '../../storage/admins.js';
import { countFailures } from '../../storage/attempts.js';
import { listAuditEvents } from '../../storage/audit-events.js';
import { listFactors } from '../../storage/factors.js';
import { listAuthEvents } from '../../storage/auth-events.js';
import { listSessions } from '../../storage/sessions.js';
import { findUserById, searchUsers } from '../../storage/users.js';
import { FORM_RATE_LIMIT } from '../routes/forms.js';
import { lockUser, resetFactors, unlockUser } from './admin-actions.js';
import { ADMIN_PAGE_SIZE, pageParam } from './admin-format.js';
import { actorOf, requireAdmin } from './admin-gate.js';
import { adminLayout, sendAdminPage } from './admin-layout.js';
import { registerAdminSessionPages } from './admin-sessions.js';
import { resetConfirm, userDetail, userList } from './admin-user-views.js';

/** Notices the detail page shows after an action, by key (never reflected text). */
const NOTICES: Record<string, string> = {
  locked: 'The account is locked and its sessions were ended.',
  unlocked: 'The account is unlocked and its failed attempts were cleared.',
  reset: 'Every second factor was removed and the sessions were ended. The password stays.',
  'session-revoked': 'The session was ended.',
};

/** User ids are UUIDs; anything else names no user and is refused before any query. */
const userParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

const csrfOnly = { type: 'object', properties: { _csrf: { type: 'string', maxLength: 256 } } } as const;

const resetBody = {
  type: 'object',
  required: ['confirm'],
  properties: { _csrf: { type: 'string', maxLength: 256 }, confirm: { type: 'string', enum: ['reset'] } },
} as const;

/** Most sessions and events the detail page lists. */
const DETAIL_LIMIT = 20;

/**
 * The people half of the console: `/admin` (to the users), the user search,
 * one user's detail with lock, unlock and reset factors, and the session
 * list (see admin-sessions.ts). Every action is a CSRF-protected form post
 * that writes an `admin_action` audit event before answering.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAdminUserPages(app: FastifyInstance, services: Services): void {
  app.get('/admin', async (_request, reply) => reply.redirect('/admin/users', 303));

  app.get('/admin/users', {
    schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 128 }, page: pageParam } } },
  }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { q = '', page = 1 } = request.query as { q?: string; page?: number };
    const query = q.trim();
    const found = await searchUsers(services.db, { query, limit: ADMIN_PAGE_SIZE + 1, offset: (page - 1) * ADMIN_PAGE_SIZE });
    return sendAdminPage(reply, adminLayout({ title: 'Users', section: 'users', admin: admin.username },
      userList({ query, users: found.slice(0, ADMIN_PAGE_SIZE), page, more: found.length > ADMIN_PAGE_SIZE })));
  });

  app.get('/admin/users/:id', {
    schema: { params: userParams, querystring: { type: 'object', properties: { done: { type: 'string', maxLength: 32 } } } },
  }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const user = await findUserById(services.db, (request.params as { id: string }).id);
    if (!user) throw new SimpleError('ERR_USER_NOT_FOUND');
    const now = services.now();
    const window = services.config.stepUp.accountWindowSeconds;
    const live = (await listSessions(services.db, user.id))
      .filter((session) => session.revokedAt === null && session.createdAt + services.config.tokens.sessionTtl > now)
      .slice(0, DETAIL_LIMIT);
    const [factors, sessions, events, signIn, codes, admins] = await Promise.all([
      listFactors(services.db, user.id),
      Promise.all(live.map(async (session) => ({ ...session, events: await listAuthEvents(services.db, session.id) }))),
      listAuditEvents(services.db, { subject: user.id, limit: DETAIL_LIMIT }),
      countFailures(services.db, `login:user:${user.username}`, now, window),
      countFailures(services.db, `account:${user.id}`, now, window),
      isAdmin(services.db, user.id),
    ]);
    return sendAdminPage(reply, adminLayout({ title: user.username, section: 'users', admin: admin.username }, userDetail({
      user, isAdmin: admins, factors, sessions, events, failures: { signIn, codes }, csrfToken: admin.csrfToken,
      notice: NOTICES[(request.query as { done?: string }).done ?? ''],
    })));
  });

  app.post('/admin/users/:id/lock', { config: FORM_RATE_LIMIT, schema: { params: userParams, body: csrfOnly }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { id } = request.params as { id: string };
    await lockUser(services, actorOf(request, admin), id);
    return reply.redirect(`/admin/users/${id}?done=locked`, 303);
  });

  app.post('/admin/users/:id/unlock', { config: FORM_RATE_LIMIT, schema: { params: userParams, body: csrfOnly }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { id } = request.params as { id: string };
    await unlockUser(services, actorOf(request, admin), id);
    return reply.redirect(`/admin/users/${id}?done=unlocked`, 303);
  });

  app.get('/admin/users/:id/reset-factors', { schema: { params: userParams } }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const user = await findUserById(services.db, (request.params as { id: string }).id);
    if (!user) throw new SimpleError('ERR_USER_NOT_FOUND');
    const factors = (await listFactors(services.db, user.id)).length;
    return sendAdminPage(reply, adminLayout({ title: `Reset ${user.username}`, section: 'users', admin: admin.username },
      resetConfirm({ user, factors, csrfToken: admin.csrfToken })));
  });

  app.post('/admin/users/:id/reset-factors', { config: FORM_RATE_LIMIT, schema: { params: userParams, body: resetBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { id } = request.params as { id: string };
    await resetFactors(services, actorOf(request, admin), id);
    return reply.redirect(`/admin/users/${id}?done=reset`, 303);
  });

  registerAdminSessionPages(app, services);
}
