import { evaluateAssurance, SimpleError, StepwiseError } from '@stepwise/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { removeFactor, requireFreshStepUp } from '../../flows/sensitive-change.js';
import type { SessionState } from '../../flows/session-state.js';
import { recordAuthentication } from '../../flows/sign-in.js';
import { confirmTotpEnrollment, startTotpEnrollment } from '../../flows/totp-enrollment.js';
import type { Services } from '../../services.js';
import { renderAccountPage } from '../pages/account-page.js';
import { renderEnrollTotpPage } from '../pages/enroll-totp-page.js';
import { html } from '../html.js';
import { csrfField, layout } from '../pages/layout.js';
import { currentSession, signInContext } from '../session-cookie.js';
import { sendError, wantsHtml } from '../errors.js';
import { enrollBody, sendPage } from './forms.js';
import { FORM_RATE_LIMIT } from './forms.js';

/** Notices the account page can show, by key (never reflected text). */
const NOTICES: Record<string, string> = {
  'totp-added': 'Your authenticator app is ready. You will be asked for a code when an action needs it.',
  'factor-removed': 'The sign-in method was removed.',
};

const factorParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/**
 * The signed-in user's account pages: list, add and remove sign-in methods.
 * Removing one needs a fresh multi-factor step-up.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAccountRoutes(app: FastifyInstance, services: Services): void {
  async function signedIn(request: FastifyRequest, reply: FastifyReply): Promise<SessionState | undefined> {
    const state = await currentSession(request, services);
    if (!state) await reply.redirect(`/login?return_to=${encodeURIComponent(request.url)}`, 303);
    return state;
  }

  app.get('/account', { schema: { querystring: { type: 'object', properties: { done: { type: 'string', maxLength: 32 } } } } }, async (request, reply) => {
    const state = await signedIn(request, reply);
    if (!state) return reply;
    const level = evaluateAssurance(state.events, { acr: services.levels.names()[0]! }, services.levels, services.now()).achieved;
    return sendPage(reply, 200, renderAccountPage({
      username: state.user.username, factors: state.factors, currentLevel: level,
      notice: NOTICES[(request.query as { done?: string }).done ?? ''],
    }));
  });

  app.get('/account/totp', async (request, reply) => {
    const state = await signedIn(request, reply);
    if (!state) return reply;
    return sendPage(reply, 200, renderEnrollTotpPage({
      action: '/account/totp', csrfToken: reply.generateCsrf(), username: state.user.username,
      enrollment: await startTotpEnrollment(services, state.user), cancelUrl: '/account',
    }));
  });

  app.post('/account/totp', { config: FORM_RATE_LIMIT, schema: { body: enrollBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await signedIn(request, reply);
    if (!state) return reply;
    const { code, factor_id: factorId } = request.body as { code: string; factor_id: string };
    try {
      const event = await confirmTotpEnrollment(services, { user: state.user, factorId, code });
      await recordAuthentication(services, { user: state.user, event, sessionId: state.session.id, context: signInContext(request) });
      return reply.redirect('/account?done=totp-added', 303);
    } catch (error) {
      if (!(error instanceof StepwiseError)) throw error;
      if (!wantsHtml(request)) return sendError(request, reply, error);
      return sendPage(reply, error.status, renderEnrollTotpPage({
        action: '/account/totp', csrfToken: reply.generateCsrf(), username: state.user.username,
        enrollment: await startTotpEnrollment(services, state.user), cancelUrl: '/account',
        error: { code: error.code, message: error.message },
      }));
    }
  });

  app.get('/account/factors/:id/remove', { schema: { params: factorParams } }, async (request, reply) => {
    const state = await signedIn(request, reply);
    if (!state) return reply;
    const { id } = request.params as { id: string };
    const factor = state.factors.find((candidate) => candidate.id === id);
    if (!factor) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
    try {
      requireFreshStepUp(services, state);
    } catch {
      return reply.redirect(`/step-up?return_to=${encodeURIComponent(request.url)}`, 303);
    }
    return sendPage(reply, 200, layout(
      { title: 'Remove sign-in method', username: state.user.username },
      html`<h1>Remove ${factor.name}?</h1>
<p>You will no longer be able to use it to sign in or to confirm sensitive actions.</p>
<form method="post" action="/account/factors/${factor.id}/remove">${csrfField(reply.generateCsrf())}<button type="submit">Remove</button></form>
<p><a href="/account">Keep it</a></p>`,
    ));
  });

  app.post('/account/factors/:id/remove', { config: FORM_RATE_LIMIT, schema: { params: factorParams }, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await currentSession(request, services);
    if (!state) throw new SimpleError('ERR_SESSION_REQUIRED');
    await removeFactor(services, state, (request.params as { id: string }).id);
    return reply.redirect('/account?done=factor-removed', 303);
  });
}
