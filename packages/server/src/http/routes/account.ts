import { evaluateAssurance, nextStep, SimpleError, type EnrolledAuthenticator } from '@stepwise/core';
import type { FastifyInstance } from 'fastify';
import { countRemainingRecoveryCodes } from '../../flows/recovery-codes.js';
import { removeFactor } from '../../flows/sensitive-change.js';
import { recordAuthentication } from '../../flows/sign-in.js';
import { confirmTotpEnrollment, startTotpEnrollment } from '../../flows/totp-enrollment.js';
import type { Services } from '../../services.js';
import { renameFactor } from '../../storage/factors.js';
import { webauthnEnabled } from '../../webauthn/relying-party.js';
import { renderAccountPage } from '../pages/account-page.js';
import { renderEnrollTotpPage } from '../pages/enroll-totp-page.js';
import { html } from '../html.js';
import { csrfField, layout } from '../pages/layout.js';
import { signInContext } from '../session-cookie.js';
import { freshlySteppedUp, freshSessionForChange, signedIn } from './account-session.js';
import { enrollBody, sendFormAgain, sendPage } from './forms.js';
import { FORM_RATE_LIMIT } from './forms.js';

/** Notices the account page can show, by key (never reflected text). */
const NOTICES: Record<string, string> = {
  'totp-added': 'Your authenticator app is ready. You will be asked for a code when an action needs it.',
  'passkey-added': 'Your passkey is ready. Use it to sign in and to confirm sensitive actions.',
  'security-key-added': 'Your security key is ready. You will be asked to touch it when an action needs it.',
  'contact-added': 'Done. Codes can now be sent there when an action needs a confirmation.',
  'factor-removed': 'The sign-in method was removed.',
  'factor-renamed': 'The sign-in method was renamed.',
};

const factorParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const renameBody = {
  type: 'object',
  required: ['name'],
  properties: { _csrf: { type: 'string', maxLength: 256 }, name: { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S' } },
} as const;

const removeBody = {
  type: 'object',
  properties: { _csrf: { type: 'string', maxLength: 256 }, confirm: { type: 'string', enum: ['lose-levels'] } },
} as const;

/**
 * The levels a set of authenticators can reach at all, strongest first.
 *
 * @param services - shared services
 * @param enrolled - the authenticators
 */
export function reachableLevels(services: Services, enrolled: readonly EnrolledAuthenticator[]): string[] {
  const now = services.now();
  return services.levels.strongestFirst
    .filter((level) => nextStep([], { acr: level.name }, enrolled, services.levels, now).kind !== 'unreachable')
    .map((level) => level.name);
}

/**
 * The signed-in user's account pages: list, rename, add and remove sign-in
 * methods. Adding and removing need a fresh step-up (OWASP ASVS 5, 7.5.1);
 * removing one that the account's strongest level depends on warns first.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAccountRoutes(app: FastifyInstance, services: Services): void {
  app.get('/account', { schema: { querystring: { type: 'object', properties: { done: { type: 'string', maxLength: 32 } } } } }, async (request, reply) => {
    const state = await signedIn(request, reply, services);
    if (!state) return reply;
    const level = evaluateAssurance(state.events, { acr: services.levels.names()[0]! }, services.levels, services.now()).achieved;
    return sendPage(reply, 200, renderAccountPage({
      username: state.user.username, csrfToken: reply.generateCsrf(), factors: state.factors, credentials: state.credentials,
      recoveryCodesLeft: await countRemainingRecoveryCodes(services, state.factors), currentLevel: level,
      available: { webauthn: webauthnEnabled(services), email: services.messenger.available('email'), sms: services.messenger.available('sms') },
      notice: NOTICES[(request.query as { done?: string }).done ?? ''],
    }));
  });

  app.get('/account/totp', async (request, reply) => {
    const state = await freshlySteppedUp(request, reply, services);
    if (!state) return reply;
    return sendPage(reply, 200, renderEnrollTotpPage({
      action: '/account/totp', csrfToken: reply.generateCsrf(), username: state.user.username,
      enrollment: await startTotpEnrollment(services, state.user), cancelUrl: '/account',
    }));
  });

  app.post('/account/totp', { config: FORM_RATE_LIMIT, schema: { body: enrollBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await freshSessionForChange(request, services);
    const { code, factor_id: factorId } = request.body as { code: string; factor_id: string };
    try {
      const event = await confirmTotpEnrollment(services, { user: state.user, factorId, code });
      await recordAuthentication(services, { user: state.user, event, sessionId: state.session.id, context: signInContext(request) });
      return reply.redirect('/account?done=totp-added', 303);
    } catch (error) {
      return sendFormAgain(request, reply, error, async (shown) => renderEnrollTotpPage({
        action: '/account/totp', csrfToken: reply.generateCsrf(), username: state.user.username,
        enrollment: await startTotpEnrollment(services, state.user), cancelUrl: '/account', error: shown,
      }));
    }
  });

  app.post('/account/factors/:id/rename', { config: FORM_RATE_LIMIT, schema: { params: factorParams, body: renameBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await signedIn(request, reply, services);
    if (!state) return reply;
    const { name } = request.body as { name: string };
    await renameFactor(services.db, { userId: state.user.id, id: (request.params as { id: string }).id, name: name.trim() });
    return reply.redirect('/account?done=factor-renamed', 303);
  });

  function lostLevels(enrolled: readonly EnrolledAuthenticator[], factorId: string): string[] {
    const after = new Set(reachableLevels(services, enrolled.filter((authenticator) => authenticator.authenticatorId !== factorId)));
    return reachableLevels(services, enrolled).filter((level) => !after.has(level));
  }

  app.get('/account/factors/:id/remove', { schema: { params: factorParams } }, async (request, reply) => {
    const state = await freshlySteppedUp(request, reply, services);
    if (!state) return reply;
    const { id } = request.params as { id: string };
    const factor = state.factors.find((candidate) => candidate.id === id);
    if (!factor) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
    const lost = lostLevels(state.enrolled, id);
    return sendPage(reply, 200, layout(
      { title: 'Remove sign-in method', username: state.user.username },
      html`<h1>Remove ${factor.name}?</h1>
<p>You will no longer be able to use it to sign in or to confirm sensitive actions.</p>
${lost.length > 0 && html`<p class="error" role="alert" data-lost-levels="${lost.join(' ')}">Without it your account can no longer reach <strong>${lost.join(', ')}</strong>. Applications that ask for ${lost.length === 1 ? 'this level' : 'these levels'} before sensitive actions (payments, account changes) will refuse you until you add another method.</p>`}
<form method="post" action="/account/factors/${factor.id}/remove">${csrfField(reply.generateCsrf())}${lost.length > 0 && html`<input type="hidden" name="confirm" value="lose-levels">`}<button type="submit">${lost.length > 0 ? 'Remove anyway' : 'Remove'}</button></form>
<p><a href="/account">Keep it</a></p>`,
    ));
  });

  app.post('/account/factors/:id/remove', { config: FORM_RATE_LIMIT, schema: { params: factorParams, body: removeBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await freshSessionForChange(request, services);
    const { id } = request.params as { id: string };
    const lost = lostLevels(state.enrolled, id);
    if (lost.length > 0 && (request.body as { confirm?: string } | undefined)?.confirm !== 'lose-levels') {
      throw new SimpleError('ERR_CONFIRMATION_REQUIRED', undefined, { lost_levels: lost });
    }
    await removeFactor(services, state, id);
    return reply.redirect('/account?done=factor-removed', 303);
  });
}
