import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';

/** One answer of the decision API, as stored and exported. */
export interface StoredDecision {
  readonly id: string;
  readonly apiKeyId: string | null;
  readonly subject: string;
  readonly action: string;
  readonly outcome: string;
  readonly requirement: unknown;
  readonly reasons: unknown;
  readonly risk: unknown;
  /** resource, context, session and client: what the policy saw. */
  readonly input: unknown;
  readonly createdAt: number;
}

/**
 * Stores a decision with its reasons.
 *
 * @param db - database
 * @param decision - the decision
 * @example
 * ```ts
 * await insertDecision(db, { id, apiKeyId, subject, action, outcome: 'allow', requirement, reasons, risk, input, createdAt: now });
 * ```
 */
export async function insertDecision(db: Db, decision: StoredDecision): Promise<void> {
  await decisionInsert.execute(
    db, decision.id, decision.apiKeyId, decision.subject, decision.action, decision.outcome,
    JSON.stringify(decision.requirement), JSON.stringify(decision.reasons), JSON.stringify(decision.risk), JSON.stringify(decision.input), decision.createdAt,
  );
}

// One row per decision API call; see prepared-query.ts.
const decisionInsert = prepareQuery((
  db: Db, id: string, apiKeyId: string | null, subject: string, action: string, outcome: string,
  requirement: string, reasons: string, risk: string, input: string, createdAt: number,
) => db.insertInto('decisions').values({ id, api_key_id: apiKeyId, subject, action, outcome, requirement, reasons, risk, input, created_at: createdAt }));
