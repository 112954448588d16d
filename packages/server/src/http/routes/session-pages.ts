import { nextStep, SimpleError, StepwiseError, type Requirement } from '@stepwise/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordSessionRevoked, recordSignInFailed, recordStepUpSatisfied } from '../../audit/events.js';
import { readDeviceId } from '../device-cookie.js';
import { changeRequirement } from '../../flows/sensitive-change.js';
import { loadSessionState, type SessionState } from '../../flows/session-state.js';
import type { Services } from '../../services.js';
import { finishWebauthnAuthentication, startWebauthnAuthentication } from '../../flows/webauthn-authentication.js';
import { webauthnEnabled } from '../../webauthn/relying-party.js';
import { pageError, registerStepUpAnswers, sendContinue, type Shown, type StepUpContext } from '../step-up/answers.js';
import { chooseMethod, METHOD_CHOICE_LABELS, offeredMethods } from '../step-up/method-choice.js';
import { sendStepUpPage } from '../step-up/step-up-view.js';
import { revokeSession } from '../../storage/sessions.js';
import { applyRetryAfter, sendError, wantsHtml } from '../errors.js';
import { renderSignInPage } from '../pages/sign-in-page.js';
import { html } from '../html.js';
import { csrfField, layout } from '../pages/layout.js';
import { clearSessionCookie, currentSession, safeReturnTo, signInWithEvent, signInWithPassword } from '../session-cookie.js';
import { describeRequirement, passkeyBody, passwordBody, sendFormAgain, sendPage } from './forms.js';
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
    return sendPage(reply, 200, renderSignInPage({
      action: withReturnTo('/login', returnTo), csrfToken: reply.generateCsrf(), passkey: await passkeySignIn(returnTo),
    }));
  });

  async function passkeySignIn(returnTo: string) {
    return webauthnEnabled(services)
      ? { action: withReturnTo('/login/passkey', returnTo), start: await startWebauthnAuthentication(services) }
      : undefined;
  }

  app.post('/login/passkey', { config: FORM_RATE_LIMIT, schema: { querystring: returnToQuery, body: passkeyBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const returnTo = safeReturnTo((request.query as { return_to?: string }).return_to);
    const { ceremony_id: ceremonyId, response } = request.body as { ceremony_id: string; response: string };
    try {
      const { user, event } = await finishWebauthnAuthentication(services, { ceremonyId, response });
      await signInWithEvent(request, reply, services, await currentSession(request, services), user, event);
      return reply.redirect(returnTo, 303);
    } catch (error) {
      if (error instanceof StepwiseError) await recordSignInFailed(services, { method: 'webauthn', reason: error.code, ip: request.ip });
      return sendFormAgain(request, reply, error, async (shown) => renderSignInPage({
        action: withReturnTo('/login', returnTo), csrfToken: reply.generateCsrf(), passkey: await passkeySignIn(returnTo), error: shown,
      }));
    }
  });

  app.post('/login', { config: FORM_RATE_LIMIT, schema: { querystring: returnToQuery, body: passwordBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const returnTo = safeReturnTo((request.query as { return_to?: string }).return_to);
    const { username, password } = request.body as { username: string; password: string };
    try {
      await signInWithPassword(request, reply, services, await currentSession(request, services), { username, password });
      return reply.redirect(returnTo, 303);
    } catch (error) {
      return sendFormAgain(request, reply, error, async (shown) => renderSignInPage({
        action: withReturnTo('/login', returnTo), csrfToken: reply.generateCsrf(), username, passkey: await passkeySignIn(returnTo), error: shown,
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
    if (state) {
      await revokeSession(services.db, state.session.id, services.now());
      await recordSessionRevoked(services, { subject: state.user.id, sessionId: state.session.id, via: 'logout', ip: request.ip, device: readDeviceId(request, services) });
    }
    clearSessionCookie(reply, services);
    return reply.redirect('/', 303);
  });

  interface AccountStepUp extends StepUpContext {
    readonly returnTo: string;
    readonly requirement: Requirement;
  }

  function judge(state: SessionState, justAuthenticatedAt?: number) {
    const requirement = changeRequirement(services, state.enrolled);
    const step = nextStep(state.events, requirement, state.enrolled, services.levels, justAuthenticatedAt ?? services.now());
    const offered = step.kind === 'ask' ? offeredMethods(step.authenticators, webauthnEnabled(services) ? [] : ['webauthn']) : [];
    return { requirement, step, offered };
  }

  async function showOrContinue(request: FastifyRequest, reply: FastifyReply, context: AccountStepUp, shown: Shown): Promise<FastifyReply> {
    const { state, returnTo } = context;
    const { requirement, step, offered } = judge(state, shown.now);
    if (step.kind === 'met') {
      if (shown.answered) {
        await recordStepUpSatisfied(services, {
          subject: state.user.id, requirement, method: shown.answered, ip: request.ip, device: readDeviceId(request, services), ref: context.ref,
        });
      }
      return sendContinue(request, reply, shown, returnTo, state.user.username);
    }
    if (shown.cause && !wantsHtml(request)) return sendError(request, reply, shown.cause);
    const selected = chooseMethod(offered, shown.method, state.user.preferredMethod);
    if (step.kind === 'unreachable' || selected === undefined) {
      return sendError(request, reply, new SimpleError('ERR_FACTOR_NOT_ENROLLED', 'Add a second sign-in method before making this change'));
    }
    const query = `?return_to=${encodeURIComponent(returnTo)}`;
    const reason = `This change needs a fresh verification (${describeRequirement(requirement)}).`;
    if (selected === 'password') {
      applyRetryAfter(reply, shown.cause);
      return sendPage(reply, shown.status ?? 200, renderSignInPage({
        action: `/step-up/password${query}`, csrfToken: reply.generateCsrf(), error: shown.error, reauthenticate: true,
        username: state.user.username, cancelUrl: '/account',
        alternatives: offered.filter((method) => method !== 'password')
          .map((method) => ({ method, label: METHOD_CHOICE_LABELS[method], href: `/step-up${query}&method=${method}` })),
      }));
    }
    return sendStepUpPage(services, reply, {
      state, authenticators: step.kind === 'ask' ? step.authenticators : [], offered, selected,
      base: '/step-up', query, reason, cancelUrl: '/account',
    }, shown);
  }

  async function openStepUp(request: FastifyRequest, reply: FastifyReply): Promise<AccountStepUp | undefined> {
    const returnTo = safeReturnTo((request.query as { return_to?: string }).return_to);
    const state = await currentSession(request, services);
    if (!state) {
      await reply.redirect(withReturnTo('/login', withReturnTo('/step-up', returnTo)), 303);
      return undefined;
    }
    const { requirement, offered } = judge(state);
    return {
      state, returnTo, requirement, offered,
      challengeKey: stepUpChallengeKey(state.session.id, services),
      ref: { surface: 'account' },
      purpose: 'confirm a change to your Stepwise account',
    };
  }

  app.get('/step-up', { schema: { querystring: { ...returnToQuery, properties: { ...returnToQuery.properties, method: { type: 'string', maxLength: 32 } } } } }, async (request, reply) => {
    const context = await openStepUp(request, reply);
    if (!context) return reply;
    return showOrContinue(request, reply, context, { method: (request.query as { method?: string }).method });
  });

  app.post('/step-up/password', { config: FORM_RATE_LIMIT, schema: { querystring: returnToQuery, body: passwordBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const context = await openStepUp(request, reply);
    if (!context) return reply;
    try {
      if (!context.offered.includes('password')) throw new SimpleError('ERR_METHOD_NOT_OFFERED', undefined, { method: 'password' });
      const { password } = request.body as { password: string };
      const { token, at } = await signInWithPassword(request, reply, services, context.state, { username: context.state.user.username, password });
      const state = await loadSessionState(services, token);
      return showOrContinue(request, reply, { ...context, state: state ?? context.state }, { now: at, answered: 'password' });
    } catch (error) {
      return showOrContinue(request, reply, context, { ...pageError(error), method: 'password' });
    }
  });

  registerStepUpAnswers<AccountStepUp>(app, services, {
    prefix: '/step-up',
    schema: { querystring: returnToQuery },
    open: openStepUp,
    resume: showOrContinue,
  });
}
