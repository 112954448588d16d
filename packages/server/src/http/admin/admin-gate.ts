import { evaluateAssurance, nextStep, SimpleError, type Requirement } from '@stepwise/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sensitiveChangeRequirement } from '../../flows/sensitive-change.js';
import type { SessionState } from '../../flows/session-state.js';
import type { Services } from '../../services.js';
import { isAdmin } from '../../storage/admins.js';
import type { AdminActor } from './admin-actions.js';
import { sendError, wantsHtml } from '../errors.js';
import { html } from '../html.js';
import { layout } from '../pages/layout.js';
import { currentSession, safeReturnTo } from '../session-cookie.js';
import { sendAdminPage } from './admin-layout.js';

/** A request the gate let through: an admin's session at the console's level. */
export interface AdminContext {
  readonly state: SessionState;
  /** The admin's username, as audit actors name them (`admin:<username>`). */
  readonly username: string;
  readonly userId: string;
  /** A CSRF token for this response's forms. */
  readonly csrfToken: string;
}

/**
 * What every console page needs: the weakest multi-factor level (aal2
 * with the default levels), within that level's own lifetime. Any
 * `/step-up` answer meets it, since the step-up asks the same level fresh.
 *
 * @param services - shared services
 */
export function adminRequirement(services: Services): Requirement {
  return { acr: sensitiveChangeRequirement(services.levels).acr };
}

/**
 * Who acts in a console request, as its audit events name them: the actor
 * `admin:<username>`, the admin's user id and the client address.
 *
 * @param request - the request
 * @param admin - the gate's answer
 */
export function actorOf(request: FastifyRequest, admin: AdminContext): AdminActor {
  return { actor: `admin:${admin.username}`, userId: admin.userId, ip: request.ip ?? null };
}

function secondFactorMissingPage(username: string, requirement: Requirement): string {
  return layout(
    { title: 'Add a second factor', username },
    html`<h1>Add a second factor first</h1>
<p class="error" role="alert" data-error-code="ERR_ADMIN_REQUIRED" data-reason="second_factor_missing">The admin console needs ${requirement.acr}: your password and a second factor. Your account has no second factor yet.</p>
<p>Add an authenticator app, a passkey or a security key on your <a href="/account">account page</a>, then come back to <a href="/admin">the console</a>.</p>`,
  );
}

/**
 * Lets through the session of an admin whose events meet
 * {@link adminRequirement}, and answers everything else itself: a signed-out
 * browser goes to `/login`, an admin without a recent second factor to
 * `/step-up` (both coming back here), an admin with no second factor at all
 * gets a page pointing to `/account` (never a loop), anyone else a 403
 * `ERR_ADMIN_REQUIRED`. Form posts are never redirected: they are refused
 * with `ERR_SESSION_REQUIRED` or `ERR_STEP_UP_REQUIRED`.
 *
 * @param request - the request
 * @param reply - the reply; already sent when this resolves to undefined
 * @param services - shared services
 * @returns the admin, or undefined when the reply was sent
 * @example
 * ```ts
 * app.get('/admin/users', async (request, reply) => {
 *   const admin = await requireAdmin(request, reply, services);
 *   if (!admin) return reply;
 *   return sendAdminPage(reply, adminLayout({ title: 'Users', section: 'users', admin: admin.username }, body));
 * });
 * ```
 */
export async function requireAdmin(request: FastifyRequest, reply: FastifyReply, services: Services): Promise<AdminContext | undefined> {
  const navigating = request.method === 'GET' || request.method === 'HEAD';
  const here = safeReturnTo(request.url, '/admin');
  const state = await currentSession(request, services);
  if (!state) {
    if (navigating) await reply.redirect(`/login?return_to=${encodeURIComponent(here)}`, 303);
    else await sendError(request, reply, new SimpleError('ERR_SESSION_REQUIRED'));
    return undefined;
  }
  if (!(await isAdmin(services.db, state.user.id))) {
    await sendError(request, reply, new SimpleError('ERR_ADMIN_REQUIRED'));
    return undefined;
  }
  const requirement = adminRequirement(services);
  const now = services.now();
  if (!evaluateAssurance(state.events, requirement, services.levels, now).met) {
    if (nextStep([], requirement, state.enrolled, services.levels, now).kind === 'unreachable') {
      if (wantsHtml(request)) await sendAdminPage(reply, secondFactorMissingPage(state.user.username, requirement), 403);
      else await sendError(request, reply, new SimpleError('ERR_ADMIN_REQUIRED', undefined, { reason: 'second_factor_missing' }));
    } else if (navigating) {
      await reply.redirect(`/step-up?return_to=${encodeURIComponent(here)}`, 303);
    } else {
      await sendError(request, reply, new SimpleError('ERR_STEP_UP_REQUIRED', undefined, { acr_values: requirement.acr }));
    }
    return undefined;
  }
  return { state, username: state.user.username, userId: state.user.id, csrfToken: reply.generateCsrf() };
}
