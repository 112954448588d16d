import type { Db } from './database.js';

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
  await db.insertInto('decisions').values({
    id: decision.id,
    api_key_id: decision.apiKeyId,
    subject: decision.subject,
    action: decision.action,
    outcome: decision.outcome,
    requirement: JSON.stringify(decision.requirement),
    reasons: JSON.stringify(decision.reasons),
    risk: JSON.stringify(decision.risk),
    input: JSON.stringify(decision.input),
    created_at: decision.createdAt,
  }).execute();
}
