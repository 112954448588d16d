import { evaluateAssurance, SimpleError, transactionHash, type AuthenticationEvent, type ProvenAssurance } from '@stepwise/core';
import { recordStepUpExpired, stepUpSatisfiedEvent, type AuditOrigin } from '../audit/events.js';
import type { Services } from '../services.js';
import type { Db } from '../storage/database.js';
import { countFailures } from '../storage/attempts.js';
import { expireChallenge, failChallenge, findChallenge, satisfyChallenge, type Challenge } from '../storage/challenges.js';
import { approvalRequirement } from './bind-transaction.js';
import { newId } from './make-decision.js';
import { RECEIPT_TYPE } from './token-proof.js';

/** The attempt counter (and sent-code binding) of one challenge. */
export function challengeKeyOf(challengeId: string): string {
  return `challenge:${challengeId}`;
}

/**
 * A challenge that can still be answered, or the reason it cannot: not
 * found (or another API key's), expired, failed (its attempts are spent:
 * marked so here), or already satisfied.
 *
 * @param services - shared services
 * @param id - the challenge id
 * @param apiKeyId - the caller's key, when it comes through the JSON API
 * @throws `ERR_CHALLENGE_NOT_FOUND`, `ERR_CHALLENGE_EXPIRED`, `ERR_CHALLENGE_FAILED`, `ERR_CHALLENGE_SATISFIED`
 */
export async function openChallenge(services: Services, id: string, apiKeyId?: string): Promise<Challenge> {
  const challenge = await loadChallenge(services, id, apiKeyId);
  if (challenge.state === 'expired') throw new SimpleError('ERR_CHALLENGE_EXPIRED');
  if (challenge.state === 'failed') throw new SimpleError('ERR_CHALLENGE_FAILED');
  if (challenge.state === 'satisfied') throw new SimpleError('ERR_CHALLENGE_SATISFIED');
  return challenge;
}

/**
 * A challenge in any state, with spent attempts turned into `failed`.
 *
 * @param services - shared services
 * @param id - the challenge id
 * @param apiKeyId - the caller's key, when it comes through the JSON API
 * @throws `ERR_CHALLENGE_NOT_FOUND`
 */
export async function loadChallenge(services: Services, id: string, apiKeyId?: string): Promise<Challenge> {
  const now = services.now();
  const challenge = await findChallenge(services.db, id, now);
  if (!challenge || (apiKeyId !== undefined && challenge.apiKeyId !== apiKeyId)) throw new SimpleError('ERR_CHALLENGE_NOT_FOUND');
  if (challenge.state === 'expired' && (await expireChallenge(services.db, id, now))) {
    await recordStepUpExpired(services, { subject: challenge.userId, challengeId: id, decisionId: challenge.decisionId, requirement: challenge.requirement });
  }
  if (challenge.state === 'pending') {
    const failures = await countFailures(services.db, challengeKeyOf(id), now, services.config.decisions.challengeTtl);
    if (failures >= services.config.stepUp.maxAttemptsPerChallenge) {
      await failChallenge(services.db, id);
      return { ...challenge, state: 'failed' };
    }
  }
  return challenge;
}

/**
 * Satisfies the challenge when the events (the decision token's, plus the
 * answers given since) meet its requirement, and issues the signed step-up
 * receipt: `sub`, `acr`, `amr`, `auth_time`, `decision_id`, `action`,
 * `challenge_id`, audience the API key's name, single `jti`; for a bound
 * challenge also `authorization_details` (exactly as the decision was
 * given them) and `txn` (their {@link transactionHash}), so the app can
 * check the receipt against the transaction it is about to execute. A
 * bound challenge is met only with a factor given now ({@link approvalRequirement}).
 *
 * @param services - shared services
 * @param challenge - a pending challenge
 * @param events - every event that may count
 * @param apiKeyName - the audience of the receipt
 * @param at - the instant to judge at (the latest answer), so `max_age: 0` is met by an answer given now
 * @param answer - the method of the answer just given and where it came from, for the audit log;
 *   `claim` spends the answer's code in the same transaction (see `matchTotpCode`); when it
 *   resolves false nothing is written and `ERR_CHALLENGE_SATISFIED` is thrown
 * @returns the receipt, or `undefined` when the requirement is not met yet; when there is one, its
 *   `step_up_satisfied` event is committed (only the request that satisfied the challenge records it)
 * @throws `ERR_CHALLENGE_SATISFIED` when another request satisfied it first
 */
export async function trySatisfyChallenge(
  services: Services,
  challenge: Challenge,
  events: readonly AuthenticationEvent[],
  apiKeyName: string,
  at = services.now(),
  answer: { readonly method?: string | undefined; readonly claim?: (trx: Db) => Promise<boolean> } & AuditOrigin = {},
): Promise<string | undefined> {
  const assurance = evaluateAssurance(events, approvalRequirement(challenge), services.levels, at);
  if (!assurance.met) return undefined;
  const proof: ProvenAssurance = { acr: assurance.achieved!, amr: assurance.amr, authTime: assurance.authTime! };
  const now = services.now();
  const jti = newId('rcp');
  const receipt = await services.tokenKeys.sign({
    iss: services.config.issuer,
    sub: challenge.userId,
    aud: apiKeyName,
    iat: now,
    exp: now + services.config.decisions.receiptTtl,
    jti,
    acr: proof.acr,
    amr: [...proof.amr!],
    auth_time: proof.authTime,
    decision_id: challenge.decisionId,
    challenge_id: challenge.id,
    action: challenge.action,
    ...(challenge.authorizationDetails
      ? { authorization_details: challenge.authorizationDetails, txn: transactionHash(challenge.authorizationDetails) }
      : {}),
  }, RECEIPT_TYPE);
  // The state change and its event commit together: a crash cannot leave a satisfied challenge unlogged.
  const event = stepUpSatisfiedEvent({
    subject: challenge.userId, requirement: challenge.requirement, method: answer.method, acr: proof.acr, ip: answer.ip, device: answer.device,
    ref: { surface: 'challenge', client: apiKeyName, decisionId: challenge.decisionId, challengeId: challenge.id },
  });
  // A code's time step, when the caller defers it here, is spent in the same
  // commit; a claim that fails writes nothing (the caller knows why).
  const satisfied = await services.audit.recordWith(event, async (trx) =>
    (answer.claim === undefined || await answer.claim(trx)) && satisfyChallenge(trx, challenge.id, { proof, receipt, receiptJti: jti }, now));
  if (!satisfied) throw new SimpleError('ERR_CHALLENGE_SATISFIED');
  return receipt;
}
