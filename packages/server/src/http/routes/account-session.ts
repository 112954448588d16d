import { SimpleError } from '@stepwise/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasFreshStepUp, requireFreshStepUp } from '../../flows/sensitive-change.js';
import type { SessionState } from '../../flows/session-state.js';
import type { Services } from '../../services.js';
import { currentSession } from '../session-cookie.js';

/**
 * The signed-in session of an account page, or a redirect to sign in.
 *
 * @param request - the request
 * @param reply - the reply, redirected when there is no session
 * @param services - shared services
 */
export async function signedIn(request: FastifyRequest, reply: FastifyReply, services: Services): Promise<SessionState | undefined> {
  const state = await currentSession(request, services);
  if (!state) await reply.redirect(`/login?return_to=${encodeURIComponent(request.url)}`, 303);
  return state;
}

/**
 * The session of a page that changes sign-in methods: signed in and
 * freshly stepped up, or a redirect to the step-up that comes back here.
 *
 * @param request - the request (a GET, so the step-up can return to it)
 * @param reply - the reply, redirected when a step-up is needed
 * @param services - shared services
 */
export async function freshlySteppedUp(request: FastifyRequest, reply: FastifyReply, services: Services): Promise<SessionState | undefined> {
  const state = await signedIn(request, reply, services);
  if (state && !hasFreshStepUp(services, state)) {
    await reply.redirect(`/step-up?return_to=${encodeURIComponent(request.url)}`, 303);
    return undefined;
  }
  return state;
}

/**
 * The session behind a form post that changes sign-in methods; a post never
 * redirects to a step-up, it is refused.
 *
 * @param request - the request
 * @param services - shared services
 * @throws `ERR_SESSION_REQUIRED` or `ERR_STEP_UP_REQUIRED`
 */
export async function freshSessionForChange(request: FastifyRequest, services: Services): Promise<SessionState> {
  const state = await currentSession(request, services);
  if (!state) throw new SimpleError('ERR_SESSION_REQUIRED');
  requireFreshStepUp(services, state);
  return state;
}
