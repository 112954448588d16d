import { nextStep, SimpleError, StepwiseError, type AuthenticationEvent } from '@stepwise/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { approvalRequirement } from '../../decisions/bind-transaction.js';
import { challengeKeyOf, loadChallenge, trySatisfyChallenge } from '../../decisions/complete-challenge.js';
import type { SessionState } from '../../flows/session-state.js';
import type { Services } from '../../services.js';
import { findApiKeyById } from '../../storage/api-keys.js';
import type { Challenge } from '../../storage/challenges.js';
import { webauthnEnabled } from '../../webauthn/relying-party.js';
import { sendError, wantsHtml } from '../errors.js';
import { renderContinuePage } from '../pages/continue-page.js';
import { transactionPurpose, transactionSummary } from '../pages/transaction-summary.js';
import { readDeviceId } from '../device-cookie.js';
import { currentSession } from '../session-cookie.js';
import { registerStepUpAnswers, sendContinue, type Shown, type StepUpContext } from '../step-up/answers.js';
import { chooseMethod, offeredMethods } from '../step-up/method-choice.js';
import { sendStepUpPage } from '../step-up/step-up-view.js';
import { challengeParams } from './decision-api.js';
import { describeRequirement, sendPage } from './forms.js';

interface ChallengeStepUp extends StepUpContext {
  readonly challenge: Challenge;
  readonly apiKeyName: string;
}

function returnUrl(challenge: Challenge): string | undefined {
  if (challenge.returnTo === null) return undefined;
  const url = new URL(challenge.returnTo);
  url.searchParams.set('challenge_id', challenge.id);
  return url.href;
}

/**
 * The hosted challenge page, `/challenge/:id`: where an app sends its user
 * after the decision API answered `step_up`. The user signs in as the
 * challenge's subject if needed, answers one of the methods that can meet
 * the requirement, and is sent back to the registered `return_to` with
 * `?challenge_id=…`; the app then reads the receipt from
 * `GET /v1/challenges/:id`. A challenge bound to a transaction shows it
 * (amount, payee, every field) above the form the user answers, and the
 * codes sent for it name it.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerChallengePages(app: FastifyInstance, services: Services): void {
  const { types } = services.config.authorizationDetails;

  function eventsOf(context: { challenge: Challenge; state: SessionState }): AuthenticationEvent[] {
    return [...context.challenge.priorEvents, ...context.state.events];
  }

  function judge(challenge: Challenge, state: SessionState, at?: number) {
    // A bound challenge needs an answer given here, on the page that shows the transaction.
    const step = nextStep(eventsOf({ challenge, state }), approvalRequirement(challenge), state.enrolled, services.levels, at ?? services.now());
    const exclude = webauthnEnabled(services) ? ['password' as const] : ['password' as const, 'webauthn' as const];
    const offered = step.kind === 'ask' ? offeredMethods(step.authenticators, exclude) : [];
    return { step, offered };
  }

  function finished(request: FastifyRequest, reply: FastifyReply, challenge: Challenge, shown: Shown, username: string): FastifyReply {
    const back = returnUrl(challenge);
    if (back) return sendContinue(request, reply, shown, back, username);
    if (!wantsHtml(request)) return reply.send({ state: 'satisfied', challenge_id: challenge.id });
    return sendPage(reply, 200, renderContinuePage({ title: 'Confirmed', notice: `${shown.notice ? `${shown.notice} ` : ''}You can close this page and go back to the application.`, continueUrl: '/account', username }));
  }

  async function open(request: FastifyRequest, reply: FastifyReply): Promise<ChallengeStepUp | undefined> {
    const { id } = request.params as { id: string };
    try {
      const challenge = await loadChallenge(services, id);
      const state = await currentSession(request, services);
      if (!state) {
        await reply.redirect(`/login?return_to=${encodeURIComponent(`/challenge/${id}`)}`, 303);
        return undefined;
      }
      if (state.user.id !== challenge.userId) throw new SimpleError('ERR_CHALLENGE_WRONG_USER');
      if (challenge.state === 'satisfied') {
        finished(request, reply, challenge, {}, state.user.username);
        return undefined;
      }
      if (challenge.state === 'expired') throw new SimpleError('ERR_CHALLENGE_EXPIRED');
      if (challenge.state === 'failed') throw new SimpleError('ERR_CHALLENGE_FAILED');
      const apiKey = await findApiKeyById(services.db, challenge.apiKeyId);
      const appName = apiKey?.name ?? 'an application';
      return {
        challenge, state, apiKeyName: apiKey?.name ?? challenge.apiKeyId,
        offered: judge(challenge, state).offered,
        challengeKey: challengeKeyOf(challenge.id),
        ref: { surface: 'challenge', client: apiKey?.name ?? challenge.apiKeyId, decisionId: challenge.decisionId, challengeId: challenge.id },
        purpose: transactionPurpose(challenge.authorizationDetails, appName, types) ?? `confirm ${challenge.action} for ${appName}`,
      };
    } catch (error) {
      if (!(error instanceof StepwiseError)) throw error;
      sendError(request, reply, error);
      return undefined;
    }
  }

  async function resume(request: FastifyRequest, reply: FastifyReply, context: ChallengeStepUp, shown: Shown): Promise<FastifyReply> {
    const { challenge, state } = context;
    const at = shown.now;
    const { step, offered } = judge(challenge, state, at);
    if (step.kind === 'met') {
      try {
        await trySatisfyChallenge(services, challenge, eventsOf(context), context.apiKeyName, at, {
          method: shown.answered, ip: request.ip, device: readDeviceId(request, services),
        });
      } catch (error) {
        // Satisfied by another request in the meantime: the same outcome for this user.
        if (!(error instanceof StepwiseError) || error.code !== 'ERR_CHALLENGE_SATISFIED') throw error;
      }
      return finished(request, reply, challenge, shown, state.user.username);
    }
    if (shown.cause && !wantsHtml(request)) return sendError(request, reply, shown.cause);
    const selected = chooseMethod(offered, shown.method, state.user.preferredMethod);
    if (step.kind === 'unreachable' || selected === undefined) {
      return sendError(request, reply, new SimpleError('ERR_FACTOR_NOT_ENROLLED', 'None of your sign-in methods can confirm this; add one on your account page'));
    }
    return sendStepUpPage(services, reply, {
      state, authenticators: step.kind === 'ask' ? step.authenticators : [], offered, selected,
      base: `/challenge/${challenge.id}`, query: '',
      reason: `${context.apiKeyName} asks you to confirm “${challenge.action}” (${describeRequirement(challenge.requirement)}).`,
      transaction: transactionSummary(challenge.authorizationDetails ?? undefined, types),
    }, shown);
  }

  app.get('/challenge/:id', { schema: { params: challengeParams, querystring: { type: 'object', properties: { method: { type: 'string', maxLength: 32 } } } } }, async (request, reply) => {
    const context = await open(request, reply);
    if (!context) return reply;
    return resume(request, reply, context, { method: (request.query as { method?: string }).method });
  });

  registerStepUpAnswers<ChallengeStepUp>(app, services, {
    prefix: '/challenge/:id',
    schema: { params: challengeParams },
    open,
    resume: async (request, reply, context, shown) => {
      // An answer that spent the last attempt ends the challenge.
      if (shown.cause?.code === 'ERR_TOO_MANY_ATTEMPTS') await loadChallenge(services, context.challenge.id);
      return resume(request, reply, context, shown);
    },
  });
}

