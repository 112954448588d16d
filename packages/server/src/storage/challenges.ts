import type { Selectable } from 'kysely';
import type { AuthenticationEvent, AuthorizationDetail, ProvenAssurance, Requirement } from '@stepwise/core';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';
import type { ChallengesTable } from './schema.js';

/** How long past its expiry a challenge row is kept (its receipt can be read until then), counted from a new challenge's creation. */
export const CHALLENGE_RETENTION_SECONDS = 86_400;

/** The life of a challenge: pending → satisfied | failed | expired. */
export type ChallengeState = 'pending' | 'satisfied' | 'failed' | 'expired';

/** A step-up the decision API asked for. */
export interface Challenge {
  readonly id: string;
  readonly decisionId: string;
  readonly apiKeyId: string;
  readonly userId: string;
  readonly action: string;
  readonly requirement: Requirement;
  /** Where the hosted page sends the user when done; registered for the API key. */
  readonly returnTo: string | null;
  /** `expired` when still pending past `expiresAt`. */
  readonly state: ChallengeState;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly satisfiedAt: number | null;
  /** What satisfied it. */
  readonly proof: ProvenAssurance | null;
  /** Events the decision's token proved; they count together with the answers. */
  readonly priorEvents: readonly AuthenticationEvent[];
  readonly receipt: string | null;
  /** The transaction (RFC 9396 `authorization_details`) it is bound to, exactly as the decision was given it; `null` when unbound. */
  readonly authorizationDetails: readonly AuthorizationDetail[] | null;
}

/** What a new challenge is made of; unbound when `authorizationDetails` is absent or null. */
export type NewChallenge = Pick<Challenge, 'id' | 'decisionId' | 'apiKeyId' | 'userId' | 'action' | 'requirement' | 'returnTo' | 'createdAt' | 'expiresAt' | 'priorEvents'>
  & { readonly authorizationDetails?: readonly AuthorizationDetail[] | null | undefined };

function toChallenge(row: Selectable<ChallengesTable>, now: number): Challenge {
  const state = row.state === 'pending' && row.expires_at <= now ? 'expired' : (row.state as ChallengeState);
  return {
    id: row.id,
    decisionId: row.decision_id,
    apiKeyId: row.api_key_id,
    userId: row.user_id,
    action: row.action,
    requirement: JSON.parse(row.requirement) as Requirement,
    returnTo: row.return_to,
    state,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    satisfiedAt: row.satisfied_at,
    proof: row.proof === null ? null : (JSON.parse(row.proof) as ProvenAssurance),
    priorEvents: JSON.parse(row.prior_events) as AuthenticationEvent[],
    receipt: row.receipt,
    authorizationDetails: row.authorization_details === null ? null : (JSON.parse(row.authorization_details) as AuthorizationDetail[]),
  };
}

/**
 * Stores a new pending challenge. Every step-up decision makes one, so
 * each new challenge deletes those that expired more than a day before it
 * was created (the decision itself stays, with its reasons).
 *
 * @param db - database
 * @param challenge - its fields
 * @example
 * ```ts
 * await insertChallenge(db, { id, decisionId, apiKeyId, userId, action, requirement, returnTo: null, createdAt: now, expiresAt: now + 600, priorEvents: [] });
 * await insertChallenge(db, { ...fields, authorizationDetails: [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' }] });
 * ```
 */
export async function insertChallenge(db: Db, challenge: NewChallenge): Promise<void> {
  await expiredChallengesDelete.execute(db, challenge.createdAt - CHALLENGE_RETENTION_SECONDS);
  await challengeInsert.execute(
    db,
    challenge.id,
    challenge.decisionId,
    challenge.apiKeyId,
    challenge.userId,
    challenge.action,
    JSON.stringify(challenge.requirement),
    challenge.returnTo,
    challenge.createdAt,
    challenge.expiresAt,
    JSON.stringify(challenge.priorEvents),
    challenge.authorizationDetails ? JSON.stringify(challenge.authorizationDetails) : null,
  );
}

// Every step-up decision runs both; see prepared-query.ts.
const expiredChallengesDelete = prepareQuery((db: Db, before: number) => db.deleteFrom('challenges').where('expires_at', '<', before));
const challengeInsert = prepareQuery((
  db: Db, id: string, decisionId: string, apiKeyId: string, userId: string, action: string, requirement: string,
  returnTo: string | null, createdAt: number, expiresAt: number, priorEvents: string, authorizationDetails: string | null,
) => db.insertInto('challenges').values({
  id,
  decision_id: decisionId,
  api_key_id: apiKeyId,
  user_id: userId,
  action,
  requirement,
  return_to: returnTo,
  state: 'pending',
  created_at: createdAt,
  expires_at: expiresAt,
  satisfied_at: null,
  proof: null,
  prior_events: priorEvents,
  receipt: null,
  receipt_jti: null,
  authorization_details: authorizationDetails,
}));

/**
 * A challenge by id.
 *
 * @param db - database
 * @param id - its id
 * @param now - seconds, to tell a pending challenge from an expired one
 */
export async function findChallenge(db: Db, id: string, now: number): Promise<Challenge | undefined> {
  const row = (await challengeById.execute(db, id)).rows[0];
  return row && toChallenge(row, now);
}

// Every answer to a challenge reads it and most satisfy it; see prepared-query.ts.
const challengeById = prepareQuery((db: Db, id: string) => db.selectFrom('challenges').selectAll().where('id', '=', id));

/**
 * Marks a pending, unexpired challenge satisfied, with its receipt. One
 * conditional UPDATE: of two nodes finishing the same challenge at once,
 * exactly one succeeds.
 *
 * @param db - database
 * @param id - the challenge
 * @param outcome - the proof and the receipt issued for it
 * @param now - seconds
 * @returns whether this call satisfied it
 */
export async function satisfyChallenge(
  db: Db,
  id: string,
  outcome: { proof: ProvenAssurance; receipt: string; receiptJti: string },
  now: number,
): Promise<boolean> {
  const result = await challengeSatisfaction.execute(db, now, JSON.stringify(outcome.proof), outcome.receipt, outcome.receiptJti, id);
  return Number(result.numAffectedRows ?? 0n) === 1;
}

const challengeSatisfaction = prepareQuery((db: Db, now: number, proof: string, receipt: string, receiptJti: string, id: string) => db
  .updateTable('challenges')
  .set({ state: 'satisfied', satisfied_at: now, proof, receipt, receipt_jti: receiptJti })
  .where('id', '=', id).where('state', '=', 'pending').where('expires_at', '>', now));

/**
 * Marks a pending challenge failed (too many wrong answers).
 *
 * @param db - database
 * @param id - the challenge
 */
export async function failChallenge(db: Db, id: string): Promise<void> {
  await db.updateTable('challenges').set({ state: 'failed' }).where('id', '=', id).where('state', '=', 'pending').execute();
}

/**
 * Marks a challenge still pending past its expiry as expired, so the
 * request that finds it so first can tell (and record it once).
 *
 * @param db - database
 * @param id - the challenge
 * @param now - seconds since the epoch
 * @returns whether this call moved it
 */
export async function expireChallenge(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('challenges').set({ state: 'expired' })
    .where('id', '=', id).where('state', '=', 'pending').where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Keeps answers given through the JSON API that did not meet the
 * requirement alone, so the next answer adds to them.
 *
 * @param db - database
 * @param id - the challenge
 * @param events - the events that count so far
 */
export async function setChallengeEvents(db: Db, id: string, events: readonly AuthenticationEvent[]): Promise<void> {
  await db.updateTable('challenges').set({ prior_events: JSON.stringify(events) }).where('id', '=', id).where('state', '=', 'pending').execute();
}
