import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { OneTimeCodesTable } from './schema.js';

/** A code sent by email or SMS, as stored: only its keyed hash. */
export interface OneTimeCode {
  id: string;
  userId: string;
  factorId: string;
  /** The step-up (interaction, account step-up, enrollment) the code answers. */
  challengeKey: string;
  codeHash: string;
  createdAt: number;
  expiresAt: number;
  /** Null until the code is accepted; then it is refused as reused. */
  consumedAt: number | null;
}

function toCode(row: Selectable<OneTimeCodesTable>): OneTimeCode {
  return {
    id: row.id,
    userId: row.user_id,
    factorId: row.factor_id,
    challengeKey: row.challenge_key,
    codeHash: row.code_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
  };
}

/**
 * Stores a new, unconsumed code.
 *
 * @param db - database
 * @param code - everything but `consumedAt`
 * @example
 * ```ts
 * await insertOneTimeCode(db, { id, userId, factorId, challengeKey, codeHash, createdAt: now, expiresAt: now + 600 });
 * ```
 */
export async function insertOneTimeCode(db: Db, code: Omit<OneTimeCode, 'consumedAt'>): Promise<OneTimeCode> {
  await db
    .insertInto('one_time_codes')
    .values({
      id: code.id,
      user_id: code.userId,
      factor_id: code.factorId,
      challenge_key: code.challengeKey,
      code_hash: code.codeHash,
      created_at: code.createdAt,
      expires_at: code.expiresAt,
      consumed_at: null,
    })
    .execute();
  return { ...code, consumedAt: null };
}

/**
 * The codes sent for one step-up of one user, consumed and expired ones
 * included (so a reused or late code can be told apart from a wrong one),
 * oldest first.
 *
 * @param db - database
 * @param challengeKey - the step-up
 * @param userId - the user
 */
export async function findCodes(db: Db, challengeKey: string, userId: string): Promise<OneTimeCode[]> {
  const rows = await db
    .selectFrom('one_time_codes')
    .selectAll()
    .where('challenge_key', '=', challengeKey)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toCode);
}

/**
 * The codes of one step-up of one user that could still be accepted:
 * unconsumed and not expired at `now`.
 *
 * @param db - database
 * @param challengeKey - the step-up
 * @param userId - the user
 * @param now - seconds
 */
export async function findLiveCodes(db: Db, challengeKey: string, userId: string, now: number): Promise<OneTimeCode[]> {
  const rows = await db
    .selectFrom('one_time_codes')
    .selectAll()
    .where('challenge_key', '=', challengeKey)
    .where('user_id', '=', userId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toCode);
}

/**
 * Marks a code used, atomically: the condition sits in the UPDATE, so of two
 * requests (on any nodes) presenting the same code only one changes the row.
 *
 * @param db - database
 * @param id - code id
 * @param at - now, in seconds
 * @returns true for the one caller that consumed it; false if it already was
 * @example
 * ```ts
 * if (!(await consumeOneTimeCode(db, code.id, now))) throw new CodeReusedError();
 * ```
 */
export async function consumeOneTimeCode(db: Db, id: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable('one_time_codes')
    .set({ consumed_at: at })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Drops the codes of one step-up and factor not used yet: a new code
 * replaces them.
 *
 * @param db - database
 * @param challengeKey - the step-up
 * @param factorId - the factor the new code goes to
 */
export async function deleteUnconsumedCodes(db: Db, challengeKey: string, factorId: string): Promise<void> {
  await db
    .deleteFrom('one_time_codes')
    .where('challenge_key', '=', challengeKey)
    .where('factor_id', '=', factorId)
    .where('consumed_at', 'is', null)
    .execute();
}

/**
 * Drops one code, e.g. one that could not be delivered.
 *
 * @param db - database
 * @param id - code id
 */
export async function deleteOneTimeCode(db: Db, id: string): Promise<void> {
  await db.deleteFrom('one_time_codes').where('id', '=', id).execute();
}

/**
 * Drops codes that expired before `before`, consumed or not.
 *
 * @param db - database
 * @param before - seconds; codes with `expires_at` earlier than this go
 * @returns how many were removed
 */
export async function deleteExpiredCodes(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('one_time_codes').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
