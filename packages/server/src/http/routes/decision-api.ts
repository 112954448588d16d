import { InvalidCodeError, SimpleError, StepwiseError, transactionHash, type AuthenticationEvent, type DetailTypes, type MethodId } from '@stepwise/core';
import { recordStepUpFailed } from '../../audit/events.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describeTransaction } from '../../decisions/bind-transaction.js';
import { transactionPurpose } from '../pages/transaction-summary.js';
import { challengeKeyOf, loadChallenge, openChallenge, trySatisfyChallenge } from '../../decisions/complete-challenge.js';
import { parseDecisionRequest } from '../../decisions/decision-request.js';
import { makeDecision, type DecisionAnswer } from '../../decisions/make-decision.js';
import { sendOneTimeCode, verifyOneTimeCode } from '../../flows/one-time-codes.js';
import { verifyRecoveryCode } from '../../flows/recovery-codes.js';
import { clearAccountFailures, matchTotpCode, refuseReusedCode } from '../../flows/totp-verification.js';
import type { Db } from '../../storage/database.js';
import type { Services } from '../../services.js';
import { findApiKey, touchApiKey, type ApiKey } from '../../storage/api-keys.js';
import { setChallengeEvents, type Challenge } from '../../storage/challenges.js';
import { listFactors } from '../../storage/factors.js';
import { findUserById } from '../../storage/users.js';
import { requirementJson } from '../../policy/describe-decision.js';

const API_KEYS = new WeakMap<FastifyRequest, ApiKey>();

/**
 * The caller's API key from `Authorization: Bearer`, checked.
 *
 * @param request - the request
 */
function apiKeyOf(request: FastifyRequest): ApiKey {
  return API_KEYS.get(request)!;
}

/**
 * The decision API's answer in its JSON shape.
 *
 * @param answer - the decision
 */
export function decisionJson(answer: DecisionAnswer): Record<string, unknown> {
  return {
    decision: answer.decision,
    decision_id: answer.decisionId,
    requirement: requirementJson(answer.requirement),
    ...(answer.challenge
      ? { challenge: { id: answer.challenge.id, url: answer.challenge.url, expires_at: new Date(answer.challenge.expiresAt * 1000).toISOString() } }
      : {}),
    reasons: answer.reasons,
    risk: { score: answer.risk.score, level: answer.risk.level, signals: answer.risk.signals, ...(answer.risk.failed.length ? { failed: answer.risk.failed } : {}) },
    ...(answer.transaction ? { authorization_details: answer.transaction.details, txn: answer.transaction.txn } : {}),
  };
}

/**
 * A challenge in its JSON shape; a bound one with its details as given,
 * their `txn`, and `transaction`: each detail in plain words
 * (`{ summary, facts }`) for apps that draw their own approval screen.
 *
 * @param challenge - the challenge
 * @param types - the configured detail types, for wording
 * @param receipt - the receipt just issued, if any
 */
function challengeJson(challenge: Challenge, types: DetailTypes, receipt?: string): Record<string, unknown> {
  const details = challenge.authorizationDetails;
  return {
    id: challenge.id,
    state: challenge.state,
    decision_id: challenge.decisionId,
    action: challenge.action,
    requirement: requirementJson(challenge.requirement),
    expires_at: new Date(challenge.expiresAt * 1000).toISOString(),
    ...(details ? { authorization_details: details, txn: transactionHash(details), transaction: describeTransaction(details, types) } : {}),
    ...((receipt ?? challenge.receipt) ? { receipt: receipt ?? challenge.receipt } : {}),
  };
}

const CODE_METHODS = ['totp', 'recovery_code', 'email_otp', 'sms_otp'] as const satisfies readonly MethodId[];

/** `:id` of the challenge routes, here and on the hosted page. */
export const challengeParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^chl_[A-Za-z0-9_-]+$' } },
} as const;

const verifyBody = {
  type: 'object',
  required: ['method', 'code'],
  additionalProperties: false,
  properties: { method: { type: 'string', enum: CODE_METHODS }, code: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const sendBody = {
  type: 'object',
  required: ['method'],
  additionalProperties: false,
  properties: { method: { type: 'string', enum: ['email_otp', 'sms_otp'] }, factor_id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/**
 * The decision API under `/v1`, for backends with an API key:
 * `POST /v1/decisions`, and for apps that draw their own step-up screens,
 * `GET /v1/challenges/:id`, `POST /v1/challenges/:id/send` (an emailed or
 * texted code) and `POST /v1/challenges/:id/verify` (a code the user typed).
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerDecisionApi(app: FastifyInstance, services: Services): void {
  const { types } = services.config.authorizationDetails;
  async function authenticate(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer ([^\s]+)$/i.exec(header);
    if (!match) throw new SimpleError('ERR_API_KEY_MISSING');
    const apiKey = await findApiKey(services.db, match[1]!);
    if (!apiKey) throw new SimpleError('ERR_API_KEY_INVALID');
    API_KEYS.set(request, apiKey);
    await touchApiKey(services.db, apiKey, services.now());
  }

  app.post('/v1/decisions', { preHandler: authenticate }, async (request, reply) => {
    const answer = await makeDecision(services, apiKeyOf(request), parseDecisionRequest(request.body, types));
    return reply.header('cache-control', 'no-store').send(decisionJson(answer));
  });

  app.get('/v1/challenges/:id', { preHandler: authenticate, schema: { params: challengeParams } }, async (request, reply) => {
    const challenge = await loadChallenge(services, (request.params as { id: string }).id, apiKeyOf(request).id);
    return reply.header('cache-control', 'no-store').send(challengeJson(challenge, types));
  });

  app.post('/v1/challenges/:id/send', { preHandler: authenticate, schema: { params: challengeParams, body: sendBody } }, async (request, reply) => {
    const challenge = await openChallenge(services, (request.params as { id: string }).id, apiKeyOf(request).id);
    const { method, factor_id: factorId } = request.body as { method: 'email_otp' | 'sms_otp'; factor_id?: string };
    const user = await findUserById(services.db, challenge.userId);
    const factor = (await listFactors(services.db, challenge.userId, { confirmedOnly: true }))
      .find((candidate) => candidate.method === method && (factorId === undefined || candidate.id === factorId));
    if (!user || !factor) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
    const purpose = transactionPurpose(challenge.authorizationDetails, apiKeyOf(request).name, types) ?? `confirm ${challenge.action}`;
    const sent = await sendOneTimeCode(services, { user, factor, challengeKey: challengeKeyOf(challenge.id), purpose });
    return reply.send({ sent_to: sent.maskedDestination, expires_at: new Date(sent.expiresAt * 1000).toISOString() });
  });

  app.post('/v1/challenges/:id/verify', { preHandler: authenticate, schema: { params: challengeParams, body: verifyBody } }, async (request, reply) => {
    const apiKey = apiKeyOf(request);
    const challenge = await openChallenge(services, (request.params as { id: string }).id, apiKey.id);
    const { method, code } = request.body as { method: (typeof CODE_METHODS)[number]; code: string };
    const { event, claim, settle, spent } = await verifyCode(services, challenge, method, code, apiKey.name);
    const events = [...challenge.priorEvents, event];
    const receipt = await trySatisfyChallenge(services, challenge, events, apiKey.name, event.at, { method, claim }).catch(settle);
    if (receipt === undefined && claim && !(await claim(services.db))) await settle(new SimpleError('ERR_CHALLENGE_SATISFIED'));
    await spent?.();
    if (receipt === undefined) {
      await setChallengeEvents(services.db, challenge.id, events);
      return reply.send({ ...challengeJson(challenge, types), requirement_met: false, message: 'Accepted; this alone does not meet the requirement: answer with another method' });
    }
    return reply.header('cache-control', 'no-store').send({ ...challengeJson({ ...challenge, state: 'satisfied' }, types, receipt), requirement_met: true });
  });
}

/**
 * Checks the typed code. A TOTP code's time step is left for the caller to
 * spend with `claim`, in the same transaction as the challenge it satisfies
 * (one commit, not two); `settle` turns a failed claim into the refusal of a
 * reused code, and `spent` clears the account's failures once it committed.
 */
async function verifyCode(services: Services, challenge: Challenge, method: (typeof CODE_METHODS)[number], code: string, apiKeyName: string): Promise<{
  event: AuthenticationEvent; claim?: (db: Db) => Promise<boolean>; settle(error: unknown): Promise<never>; spent?: () => Promise<void>;
}> {
  const factors = await listFactors(services.db, challenge.userId, { confirmedOnly: true });
  const scope = { challengeKey: challengeKeyOf(challenge.id), userId: challenge.userId };
  const refused = async (error: unknown): Promise<never> => {
    if (error instanceof StepwiseError) {
      await recordStepUpFailed(services, {
        subject: challenge.userId, method, reason: error.code, attemptsLeft: error instanceof InvalidCodeError ? error.attemptsLeft : undefined,
        ref: { surface: 'challenge', client: apiKeyName, decisionId: challenge.decisionId, challengeId: challenge.id },
      });
    }
    // The answer that spent the last attempt kills the challenge at once.
    await loadChallenge(services, challenge.id);
    throw error;
  };
  const rethrow = async (error: unknown): Promise<never> => { throw error; };
  try {
    if (method === 'totp') {
      const matched = await matchTotpCode(services, { factors, code, scope });
      let claimed: boolean | undefined;
      const claim = async (db: Db) => (claimed = await matched.claim(db));
      // Only a claim that lost to another request is a reused code; other errors pass through.
      const settle = async (error: unknown): Promise<never> => (claimed === false ? refuseReusedCode(services, scope).catch(refused) : rethrow(error));
      // Outside the claim's transaction: on SQLite it holds the one connection.
      const spent = () => clearAccountFailures(services, challenge.userId, matched.accountFailures);
      return { event: matched.event, claim, settle, spent };
    }
    if (method === 'recovery_code') return { event: (await verifyRecoveryCode(services, { factors, code, scope })).event, settle: rethrow };
    return { event: await verifyOneTimeCode(services, { factors: factors.filter((factor) => factor.method === method), code, scope }), settle: rethrow };
  } catch (error) {
    return refused(error);
  }
}

