import { nextStep, SimpleError, StepwiseError } from '@stepwise/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sensitiveChangeRequirement } from '../../flows/sensitive-change.js';
import { recordAuthentication } from '../../flows/sign-in.js';
import { verifyTotpCode } from '../../flows/totp-verification.js';
import type { Services } from '../../services.js';
import { revokeSession } from '../../storage/sessions.js';
import { applyRetryAfter, sendError, wantsHtml } from '../errors.js';
import { renderSignInPage } from '../pages/sign-in-page.js';
import { html } from '../html.js';
import { csrfField, layout } from '../pages/layout.js';
import { renderTotpPage } from '../pages/totp-page.js';
import { clearSessionCookie, currentSession, safeReturnTo, signInContext, signInWithPassword } from '../session-cookie.js';
import { codeBody, describeRequirement, passwordBody, sendPage } from './forms.js';
import { FORM_RATE_LIMIT } from './forms.js';

const returnToQuery = {
  type: 'object',
  properties: { return_to: { type: 'string', maxLength: 512 } },
} as const;

/**
 * The account step-up's attempt counter: per session and per lockout window,
 * so five wrong codes block this session's step-ups for that window only.
 */
function stepUpChallengeKey(sessionId: string, services: Services): string {
  return `step-up:${sessionId}:${Math.floor(services.now() / services.config.stepUp.accountWindowSeconds)}`;
}

function withReturnTo(path: string, returnTo: string): string {
  return `${path}?return_to=${encodeURIComponent(returnTo)}`;
}

/**
 * Stepwise's own pages outside OpenID Connect: sign in and out for the
 * account pages, and the step-up that guards changes to sign-in methods.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerSessionPages(app: FastifyInstance, services: Services): void {
  app.get('/login', { schema: { querystring: returnToQuery } }, async (request, reply) => {
    const returnTo = safeReturnTo((request.query as { return_to?: string }).return_to);
    if (await currentSession(request, services)) return reply.redirect(returnTo, 303);
    return sendPage(reply, 200, renderSignInPage({ action: withReturnTo('/login', returnTo), csrfToken: reply.generateCsrf() }));
  });

  app.post('/login', { config: FORM_RATE_LIMIT, schema: { querystring: returnToQuery, body: passwordBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const returnTo = safeReturnTo((request.query as { return_to?: string }).return_to);
    const { username, password } = request.body as { username: string; password: string };
    try {
      await signInWithPassword(request, reply, services, await currentSession(request, services), { username, password });
      return reply.redirect(returnTo, 303);
    } catch (error) {
      if (!(error instanceof StepwiseError)) throw error;
      if (!wantsHtml(request)) return sendError(request, reply, error);
      applyRetryAfter(reply, error);
      return sendPage(reply, error.status, renderSignInPage({
        action: withReturnTo('/login', returnTo), csrfToken: reply.generateCsrf(), username,
        error: { code: error.code, message: error.message },
      }));
    }
  });

  app.get('/logout', async (request, reply) => {
    const state = await currentSession(request, services);
    if (!state) return reply.redirect('/', 303);
    return sendPage(reply, 200, layout(
      { title: 'Sign out', username: state.user.username },
      html`<h1>Sign out?</h1>
<form method="post" action="/logout">${csrfField(reply.generateCsrf())}<button type="submit">Sign out</button></form>
<p><a href="/account">Stay signed in</a></p>`,
    ));
  });

  app.post('/logout', { config: FORM_RATE_LIMIT, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await currentSession(request, services);
    if (state) await revokeSession(services.db, state.session.id, services.now());
    clearSessionCookie(reply, services);
    return reply.redirect('/', 303);
  });

  async function showStepUp(reply: FastifyReply, returnTo: string, username: string, error?: StepwiseError, status = 200) {
    const requirement = sensitiveChangeRequirement(services.levels);
    return sendPage(reply, status, renderTotpPage({
      action: withReturnTo('/step-up', returnTo), csrfToken: reply.generateCsrf(), username,
      reason: `This change needs a fresh verification (${describeRequirement(requirement)}).`,
      error: error && { code: error.code, message: error.message },
      cancelUrl: '/account',
    }));
  }

  app.get('/step-up', { schema: { querystring: returnToQuery } }, async (request, reply) => {
    const returnTo = safeReturnTo((request.query as { return_to?: string }).return_to);
    const state = await currentSession(request, services);
    if (!state) return reply.redirect(withReturnTo('/login', withReturnTo('/step-up', returnTo)), 303);
    const step = nextStep(state.events, sensitiveChangeRequirement(services.levels), state.enrolled, services.levels, services.now());
    if (step.kind === 'met') return reply.redirect(returnTo, 303);
    if (step.kind === 'unreachable' || !step.methods.includes('totp')) {
      return sendError(request, reply, new SimpleError('ERR_FACTOR_NOT_ENROLLED', 'Add an authenticator app before making this change'));
    }
    return showStepUp(reply, returnTo, state.user.username);
  });

  app.post('/step-up', { config: FORM_RATE_LIMIT, schema: { querystring: returnToQuery, body: codeBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const returnTo = safeReturnTo((request.query as { return_to?: string }).return_to);
    const state = await currentSession(request, services);
    if (!state) return reply.redirect(withReturnTo('/login', returnTo), 303);
    try {
      const event = await verifyTotpCode(services, {
        factors: state.factors,
        code: (request.body as { code: string }).code,
        scope: { challengeKey: stepUpChallengeKey(state.session.id, services), userId: state.user.id },
      });
      await recordAuthentication(services, { user: state.user, event, sessionId: state.session.id, context: signInContext(request) });
      return reply.redirect(returnTo, 303);
    } catch (error) {
      if (!(error instanceof StepwiseError)) throw error;
      if (!wantsHtml(request)) return sendError(request, reply, error);
      applyRetryAfter(reply, error);
      return showStepUp(reply, returnTo, state.user.username, error, error.status);
    }
  });
}
