import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { MethodId } from '@stepwise/core';
import { SimpleError } from '@stepwise/core';
import { epochSeconds } from './database.js';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';
import type { FactorsTable } from './schema.js';

/** One second factor of one user (TOTP app, security key, phone, …). */
export interface Factor {
  id: string;
  userId: string;
  method: MethodId;
  /** Label the user chose, e.g. "Phone". */
  name: string;
  /** Already-encrypted secret; opaque to storage. */
  secret: string | null;
  /** Last accepted TOTP time step, to refuse replays. */
  lastUsedStep: number | null;
  /** Null until the user proved the factor works. */
  confirmedAt: number | null;
  createdAt: number;
  lastUsedAt: number | null;
  /** Email address or phone number of an email_otp / sms_otp factor. */
  destination: string | null;
}

/** A `factors` row as a {@link Factor}. */
export function toFactor(row: Selectable<FactorsTable>): Factor {
  return {
    id: row.id,
    userId: row.user_id,
    method: row.method as MethodId,
    name: row.name,
    secret: row.secret,
    lastUsedStep: row.last_used_step,
    confirmedAt: row.confirmed_at,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    destination: row.destination,
  };
}

/**
 * Stores a new factor: unconfirmed, unless it needs no confirming step (a
 * WebAuthn credential verified at registration, recovery codes shown once).
 *
 * @param db - database, or a transaction
 * @param input - owner, method, label, encrypted secret; optionally a chosen
 *   id, a destination, the creation time (default: the system clock) and
 *   `confirmedAt`
 * @example
 * ```ts
 * const factor = await createFactor(db, { userId, method: 'totp', name: 'Phone', secret: sealed });
 * ```
 */
export async function createFactor(
  db: Db,
  input: {
    userId: string;
    method: MethodId;
    name: string;
    secret: string | null;
    id?: string;
    destination?: string | null;
    createdAt?: number;
    confirmedAt?: number;
  },
): Promise<Factor> {
  const row = {
    id: input.id ?? randomUUID(),
    user_id: input.userId,
    method: input.method,
    name: input.name,
    secret: input.secret,
    last_used_step: null,
    confirmed_at: input.confirmedAt ?? null,
    created_at: input.createdAt ?? epochSeconds(),
    last_used_at: null,
    destination: input.destination ?? null,
  };
  await db.insertInto('factors').values(row).execute();
  return toFactor(row);
}

/**
 * Marks a factor as confirmed. Confirming twice keeps the first time.
 *
 * @param db - database
 * @param id - factor id
 * @param at - when, in seconds
 * @throws SimpleError `ERR_FACTOR_NOT_ENROLLED` when no such factor
 */
export async function confirmFactor(db: Db, id: string, at: number): Promise<void> {
  const result = await db
    .updateTable('factors')
    .set((eb) => ({ confirmed_at: eb.fn.coalesce('confirmed_at', eb.val(at)) }))
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
}

/**
 * A user's factors, oldest first.
 *
 * @param db - database
 * @param userId - owner
 * @param options - `confirmedOnly` leaves out enrollments still in progress
 */
export async function listFactors(db: Db, userId: string, options: { confirmedOnly?: boolean } = {}): Promise<Factor[]> {
  // Every request with a session reads the confirmed ones; see prepared-query.ts.
  if (options.confirmedOnly) return (await confirmedFactors.execute(db, userId)).rows.map(toFactor);
  const rows = await db.selectFrom('factors').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toFactor);
}

const confirmedFactors = prepareQuery((db: Db, userId: string) => db
  .selectFrom('factors').selectAll().where('user_id', '=', userId).where('confirmed_at', 'is not', null).orderBy('created_at').orderBy('id'));

/**
 * Finds a factor by id. Callers check `userId` before trusting it.
 *
 * @param db - database
 * @param id - factor id
 */
export async function findFactor(db: Db, id: string): Promise<Factor | undefined> {
  const row = await db.selectFrom('factors').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toFactor(row);
}

/**
 * Removes a factor.
 *
 * @param db - database
 * @param id - factor id
 * @returns whether a factor was removed
 */
export async function deleteFactor(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('factors').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Drops a user's abandoned enrollments of one method, so a fresh enrollment
 * does not leave stale secrets behind.
 *
 * @param db - database
 * @param userId - owner
 * @param method - the method being enrolled again
 */
export async function deleteUnconfirmedFactors(db: Db, userId: string, method: MethodId): Promise<void> {
  await db
    .deleteFrom('factors')
    .where('user_id', '=', userId)
    .where('method', '=', method)
    .where('confirmed_at', 'is', null)
    .execute();
}

/**
 * Replay guard, atomic across processes: sets last_used_step=step and
 * last_used_at=at only if last_used_step IS NULL OR last_used_step < step.
 * The condition sits in the UPDATE itself, so of two requests presenting the
 * same code at once only one sees a changed row.
 *
 * @param db - database
 * @param id - factor id
 * @param step - the TOTP time step the code matched
 * @param at - now, in seconds
 * @returns true if the step was newer and is now recorded; false on reuse
 * @example
 * ```ts
 * if (!(await advanceLastUsedStep(db, factor.id, step, now))) throw new CodeReusedError();
 * ```
 */
export async function advanceLastUsedStep(db: Db, id: string, step: number, at: number): Promise<boolean> {
  const result = await lastUsedStepUpdate.execute(db, step, at, id);
  return (result.numAffectedRows ?? 0n) > 0n;
}

const lastUsedStepUpdate = prepareQuery((db: Db, step: number, at: number, id: string) => db
  .updateTable('factors')
  .set({ last_used_step: step, last_used_at: at })
  .where('id', '=', id)
  .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)])));

/**
 * Renames a factor of a user.
 *
 * @param db - database
 * @param input - owner, factor id and the new label
 * @throws SimpleError `ERR_FACTOR_NOT_ENROLLED` when the user has no such factor
 */
export async function renameFactor(db: Db, input: { userId: string; id: string; name: string }): Promise<void> {
  const result = await db
    .updateTable('factors')
    .set({ name: input.name })
    .where('id', '=', input.id)
    .where('user_id', '=', input.userId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new SimpleError('ERR_FACTOR_NOT_ENROLLED');
}

/**
 * Records that a factor was just used.
 *
 * @param db - database
 * @param id - factor id
 * @param at - when, in seconds
 */
export async function touchFactor(db: Db, id: string, at: number): Promise<void> {
  await db.updateTable('factors').set({ last_used_at: at }).where('id', '=', id).execute();
}

/**
 * Removes every factor of a user (the password lives on the user, so it
 * stays): an admin's reset. WebAuthn credentials, recovery codes and
 * sent codes go with their factors (foreign keys cascade).
 *
 * @param db - database
 * @param userId - owner
 * @returns how many factors were removed
 */
export async function deleteUserFactors(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('factors').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
