import { randomBytes } from 'node:crypto';
import { decide, evaluatePolicy, riskBindings, SimpleError, type DecisionReason, type Requirement, type RiskAssessment } from '@stepwise/core';
import { recordDecision } from '../audit/events.js';
import { policyContext } from '../policy/policy-context.js';
import type { Services } from '../services.js';
import type { ApiKey } from '../storage/api-keys.js';
import { insertChallenge } from '../storage/challenges.js';
import { insertDecision } from '../storage/decisions.js';
import { findUserById } from '../storage/users.js';
import type { BoundTransaction } from './bind-transaction.js';
import type { DecisionRequest } from './decision-request.js';
import { eventsOfProof, proofOfToken } from './token-proof.js';

/** The decision API's answer. */
export interface DecisionAnswer {
  readonly decision: 'allow' | 'step_up' | 'deny';
  readonly decisionId: string;
  readonly requirement: Requirement;
  readonly reasons: readonly DecisionReason[];
  readonly risk: RiskAssessment;
  /** With `step_up`: where to send the user, or what to answer through the JSON endpoints. */
  readonly challenge?: { readonly id: string; readonly url: string; readonly expiresAt: number };
  /** The transaction the request was bound to, echoed; its challenge and receipt carry it. */
  readonly transaction?: BoundTransaction;
}

/** A random id with a readable prefix: `dec_…`, `chl_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/**
 * Decides one request: verifies the token, assesses risk, evaluates the
 * policy in force, and combines them into allow, step-up or deny with every
 * reason. A step-up opens a challenge for the subject. The decision is
 * stored with what the policy saw, for explanation and `policy diff`.
 * A bound transaction (`authorization_details`) does not change what the
 * policy judges: it is stored with the decision and its challenge, which
 * shows it to the user and puts it in the receipt.
 *
 * @param services - shared services
 * @param apiKey - the caller
 * @param request - the checked request
 * @throws `ERR_SUBJECT_UNKNOWN`, `ERR_DECISION_TOKEN_INVALID`, `ERR_RETURN_TO_NOT_REGISTERED`
 * @example
 * ```ts
 * const answer = await makeDecision(services, apiKey, parseDecisionRequest(body, services.config.authorizationDetails.types));
 * ```
 */
export async function makeDecision(services: Services, apiKey: ApiKey, request: DecisionRequest): Promise<DecisionAnswer> {
  if (request.returnTo !== undefined && !apiKey.returnTo.includes(request.returnTo)) {
    throw new SimpleError('ERR_RETURN_TO_NOT_REGISTERED', undefined, { field: 'return_to' });
  }
  const user = await findUserById(services.db, request.subject);
  if (!user) throw new SimpleError('ERR_SUBJECT_UNKNOWN', undefined, { field: 'subject' });
  const now = services.now();
  const proof = request.token === undefined ? undefined : await proofOfToken(services, request.token, user.id);
  const { ip, userAgent, deviceId, time, extra } = request.context;
  const facts = { userId: user.id, username: user.username, ip, userAgent, deviceId, time: time ?? now };
  const risk = await services.risk.assess(facts);
  const session = proof ? { acr: proof.acr, amr: proof.amr, auth_time: proof.authTime } : {};
  const context = policyContext(facts, extra);
  const input = { action: request.action, resource: request.resource, subject: { id: user.id, username: user.username }, context, risk: riskBindings(risk), session, client: apiKey.name };
  const verdict = decide(evaluatePolicy(services.policies.current(), input), risk, proof, services.levels, now);

  const { transaction } = request;
  const decisionId = newId('dec');
  const stored = {
    id: decisionId, apiKeyId: apiKey.id, subject: user.id, action: request.action, outcome: verdict.decision,
    requirement: verdict.requirement, reasons: verdict.reasons, risk, createdAt: now,
    input: {
      resource: input.resource, context, session, client: apiKey.name,
      ...(transaction ? { authorization_details: transaction.details } : {}),
    },
  };
  const answer = { decision: verdict.decision, decisionId, requirement: verdict.requirement, reasons: verdict.reasons, risk, ...(transaction ? { transaction } : {}) };
  const audited = {
    decisionId, decision: verdict.decision, requirement: verdict.requirement, reasons: verdict.reasons, risk,
    subject: { id: user.id, username: user.username }, action: request.action, client: apiKey.name,
    resource: input.resource, context, session, time: now,
  };
  // The rows commit with the decision's audit event, in the audit writer's
  // transaction: under load one durable commit serves many decisions.
  if (verdict.decision !== 'step_up') {
    await recordDecision(services, audited, (trx) => insertDecision(trx, stored));
    return answer;
  }

  const challengeId = newId('chl');
  const expiresAt = now + services.config.decisions.challengeTtl;
  await recordDecision(services, { ...audited, challengeId }, async (trx) => {
    await insertDecision(trx, stored);
    await insertChallenge(trx, {
      id: challengeId, decisionId, apiKeyId: apiKey.id, userId: user.id, action: request.action, requirement: verdict.requirement,
      returnTo: request.returnTo ?? null, createdAt: now, expiresAt, priorEvents: eventsOfProof(proof),
      authorizationDetails: transaction?.details ?? null,
    });
  });
  return { ...answer, challenge: { id: challengeId, url: `${services.config.issuer}/challenge/${challengeId}`, expiresAt } };
}
