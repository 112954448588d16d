import type { AuditRecord, ProvenAssurance } from '@stepwise/core';
import { sql } from 'kysely';
import { listAuditEvents } from './audit-events.js';
import { findChallenge, type Challenge } from './challenges.js';
import type { Db } from './database.js';
import { normalizeUsername } from './users.js';

/*
 * The decision explorer's reads: stored decisions with the names of their
 * subject and API key, the challenge a step-up opened (and its receipt's
 * jti, never the receipt), and the audit events that tell its story.
 */

/** The three outcomes a decision list can be filtered by. */
export const DECISION_OUTCOMES = ['allow', 'step_up', 'deny'] as const;

/** One of {@link DECISION_OUTCOMES}. */
export type DecisionOutcomeFilter = (typeof DECISION_OUTCOMES)[number];

/** Which decisions to list. */
export interface DecisionListFilter {
  /** A user id or a username. */
  readonly subject?: string | undefined;
  /** The action, or its start: `transfer.` lists every transfer action. */
  readonly action?: string | undefined;
  readonly outcome?: DecisionOutcomeFilter | undefined;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
}

/** A stored decision with the names behind its ids; JSON columns parsed but not checked. */
export interface DecisionRecord {
  readonly id: string;
  readonly createdAt: number;
  readonly subject: string;
  /** `null` when the user was deleted since. */
  readonly username: string | null;
  readonly apiKeyName: string | null;
  readonly action: string;
  readonly outcome: string;
  readonly requirement: unknown;
  readonly reasons: unknown;
  readonly risk: unknown;
  readonly input: unknown;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function decisionsWithNames(db: Db) {
  return db.selectFrom('decisions')
    .leftJoin('users', 'users.id', 'decisions.subject')
    .leftJoin('api_keys', 'api_keys.id', 'decisions.api_key_id')
    .select([
      'decisions.id', 'decisions.created_at', 'decisions.subject', 'decisions.action', 'decisions.outcome',
      'decisions.requirement', 'decisions.reasons', 'decisions.risk', 'decisions.input',
      'users.username as username', 'api_keys.name as api_key_name',
    ]);
}

type DecisionRow = Awaited<ReturnType<ReturnType<typeof decisionsWithNames>['executeTakeFirstOrThrow']>>;

function toRecord(row: DecisionRow): DecisionRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    subject: row.subject,
    username: row.username,
    apiKeyName: row.api_key_name,
    action: row.action,
    outcome: row.outcome,
    requirement: parsed(row.requirement),
    reasons: parsed(row.reasons),
    risk: parsed(row.risk),
    input: parsed(row.input),
  };
}

/**
 * Decisions, newest first, one page of them and whether another follows.
 *
 * @param db - database
 * @param filter - subject (id or username), action prefix, outcome, page
 * @example
 * ```ts
 * const { rows, more } = await listDecisionRecords(db, { outcome: 'step_up', page: 1, pageSize: 50 });
 * ```
 */
export async function listDecisionRecords(db: Db, filter: DecisionListFilter): Promise<{ rows: DecisionRecord[]; more: boolean }> {
  let query = decisionsWithNames(db);
  const { subject, action, outcome } = filter;
  if (subject !== undefined) {
    query = query.where((eb) => eb.or([eb('decisions.subject', '=', subject), eb('users.username', '=', normalizeUsername(subject))]));
  }
  // substr rather than LIKE: the same case-sensitive prefix match on SQLite and PostgreSQL, with no wildcard to escape.
  if (action !== undefined) query = query.where(sql<string>`substr(${sql.ref('decisions.action')}, 1, ${action.length})`, '=', action);
  if (outcome !== undefined) query = query.where('decisions.outcome', '=', outcome);
  const rows = await query
    .orderBy('decisions.created_at', 'desc').orderBy('decisions.id', 'desc')
    .limit(filter.pageSize + 1).offset((filter.page - 1) * filter.pageSize)
    .execute();
  return { rows: rows.slice(0, filter.pageSize).map(toRecord), more: rows.length > filter.pageSize };
}

/**
 * One decision by id.
 *
 * @param db - database
 * @param id - the decision id (`dec_…`)
 * @example
 * ```ts
 * const decision = await findDecisionRecord(db, 'dec_4gTx…');
 * ```
 */
export async function findDecisionRecord(db: Db, id: string): Promise<DecisionRecord | undefined> {
  const row = await decisionsWithNames(db).where('decisions.id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

/** The challenge a step-up decision opened, as the explorer shows it. */
export interface ChallengeRecord {
  readonly challenge: Challenge;
  /** The `jti` of the receipt issued when it was satisfied: enough to find the receipt's use in an app's logs. */
  readonly receiptJti: string | null;
}

/**
 * The challenge of a decision, if it was opened and is still kept (rows
 * go a day after they expire; the decision stays).
 *
 * @param db - database
 * @param decisionId - the decision
 * @param now - epoch seconds, to tell pending from expired
 * @example
 * ```ts
 * const found = await findDecisionChallenge(db, decision.id, services.now()); // found?.receiptJti
 * ```
 */
export async function findDecisionChallenge(db: Db, decisionId: string, now: number): Promise<ChallengeRecord | undefined> {
  const row = await db.selectFrom('challenges').select(['id', 'receipt_jti']).where('decision_id', '=', decisionId).executeTakeFirst();
  if (!row) return undefined;
  const challenge = await findChallenge(db, row.id, now);
  return challenge && { challenge, receiptJti: row.receipt_jti };
}

/** Audit events of a decision's story, at most this many. */
const STORY_LIMIT = 200;

/**
 * The audit events about one decision and its challenge (the decision, the
 * step-up asked, each answer, the outcome), oldest first. Read by subject
 * and time (indexed), then matched on the ids in `details`.
 *
 * @param db - database
 * @param decision - the decision
 * @param challenge - its challenge, when there is one
 * @example
 * ```ts
 * (await decisionStory(db, decision, challenge)).map((event) => event.type); // ['decision', 'step_up_asked', 'step_up_satisfied']
 * ```
 */
export async function decisionStory(db: Db, decision: DecisionRecord, challenge: Challenge | undefined): Promise<AuditRecord[]> {
  const from = decision.createdAt * 1000 - 1_000;
  const until = ((challenge?.expiresAt ?? decision.createdAt) + 3_600) * 1000;
  const events = await listAuditEvents(db, {
    subject: decision.subject,
    since: from,
    until,
    types: ['decision', 'step_up_asked', 'step_up_satisfied', 'step_up_failed', 'step_up_expired'],
    limit: STORY_LIMIT,
  });
  return events
    .filter((event) => event.details?.decision_id === decision.id || (challenge !== undefined && event.details?.challenge_id === challenge.id))
    .reverse();
}

/**
 * The `amr` of a proof, for a line of text.
 *
 * @param proof - what satisfied a challenge
 * @example
 * ```ts
 * proofAmr({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], authTime }); // 'pwd otp mfa'
 * ```
 */
export function proofAmr(proof: ProvenAssurance | null): string {
  return proof?.amr?.join(' ') ?? '';
}
