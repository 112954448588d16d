import type { Db } from './database.js';
import { createFactor } from './factors.js';

/*
 * A user's recovery codes are one `recovery_code` factor plus its rows in
 * `recovery_codes`. The factor carries what every factor has (owner, label,
 * last use) and the rows cascade from it, so deleting the factor deletes
 * the codes with it.
 */

/** One stored code of a set: its position and its keyed hash, never the code. */
export interface StoredRecoveryCode {
  readonly seq: number;
  /** A `keyedHash` of the normalized code, bound to the factor id. */
  readonly codeHash: string;
  /** When it was used, in seconds; null while it is still usable. */
  readonly usedAt: number | null;
}

/**
 * Replaces a user's recovery codes with a new set, in one transaction: the
 * old `recovery_code` factors and their codes go, a new confirmed factor and
 * its codes arrive. A reader never sees the user with no set or with two.
 *
 * @param db - database
 * @param input - owner, the new factor's id, the code hashes (in the order
 *   they were shown; `seq` follows it) and the current time in seconds
 * @example
 * ```ts
 * await replaceRecoveryCodes(db, { userId, factorId, hashes, now: services.now() });
 * ```
 */
export async function replaceRecoveryCodes(
  db: Db,
  input: { userId: string; factorId: string; hashes: readonly string[]; now: number },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('factors').where('user_id', '=', input.userId).where('method', '=', 'recovery_code').execute();
    // The user saw every code when the set was made: nothing is left to confirm.
    await createFactor(trx, {
      id: input.factorId, userId: input.userId, method: 'recovery_code', name: 'Recovery codes', secret: null,
      createdAt: input.now, confirmedAt: input.now,
    });
    if (input.hashes.length > 0) {
      await trx
        .insertInto('recovery_codes')
        .values(input.hashes.map((codeHash, seq) => ({ factor_id: input.factorId, seq, code_hash: codeHash, used_at: null })))
        .execute();
    }
  });
}

/**
 * Every code of a set, used or not, in `seq` order. Used codes are kept so
 * that presenting one again can be told apart from a wrong code.
 *
 * @param db - database
 * @param factorId - the `recovery_code` factor
 * @example
 * ```ts
 * const used = (await listRecoveryCodes(db, factor.id)).filter((code) => code.usedAt !== null);
 * ```
 */
export async function listRecoveryCodes(db: Db, factorId: string): Promise<StoredRecoveryCode[]> {
  const rows = await db
    .selectFrom('recovery_codes')
    .select(['seq', 'code_hash', 'used_at'])
    .where('factor_id', '=', factorId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ seq: row.seq, codeHash: row.code_hash, usedAt: row.used_at }));
}

/**
 * Marks a code used, only if it is still unused. The condition sits in the
 * UPDATE itself, so of two requests (or two server nodes) presenting the
 * same code at once exactly one sees a changed row.
 *
 * @param db - database
 * @param input - the factor, the code's `seq`, and now in seconds
 * @returns true if this call used the code; false if it was used already
 * @example
 * ```ts
 * if (!(await useRecoveryCode(db, { factorId, seq, at: now }))) throw new CodeReusedError();
 * ```
 */
export async function useRecoveryCode(db: Db, input: { factorId: string; seq: number; at: number }): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: input.at })
    .where('factor_id', '=', input.factorId)
    .where('seq', '=', input.seq)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * How many codes of a set are still usable.
 *
 * @param db - database
 * @param factorId - the `recovery_code` factor
 * @returns 0 for an unknown factor
 * @example
 * ```ts
 * const remaining = await countUnusedRecoveryCodes(db, factor.id);
 * ```
 */
export async function countUnusedRecoveryCodes(db: Db, factorId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('unused'))
    .where('factor_id', '=', factorId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  // PostgreSQL's count() is int8, which our pool parses to a number; the
  // conversion keeps this right for any driver that hands back a string.
  return Number(row.unused);
}
