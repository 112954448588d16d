import { sql } from 'kysely';
import type { Db } from './database.js';

/*
 * Fixed-window failure counters. A window opens at the first failure and
 * lasts `windowSeconds`; a failure after it has closed opens a new one. The
 * counters live in the database so lockouts survive restarts and are shared
 * by every server process.
 */

/**
 * Atomically adds one failure to `key` and returns the count in the current
 * window, this failure included. One INSERT … ON CONFLICT … RETURNING
 * statement, so concurrent failures from several processes are all counted.
 *
 * @param db - database
 * @param key - what is counted, e.g. `user:<id>` or `ip:<addr>`
 * @param now - seconds
 * @param windowSeconds - window length
 * @example
 * ```ts
 * if ((await registerFailure(db, `user:${id}`, now, 900)) >= 10) throw new AccountLockedError(900);
 * ```
 */
export async function registerFailure(db: Db, key: string, now: number, windowSeconds: number): Promise<number> {
  const expired = sql<boolean>`${sql.ref('attempts.window_start')} <= ${now - windowSeconds}`;
  // Both SET expressions read the row as it was before the update, so the
  // window test is the same for the two columns.
  const row = await db
    .insertInto('attempts')
    .values({ key, failures: 1, window_start: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when ${expired} then 1 else ${sql.ref('attempts.failures')} + 1 end`,
        window_start: sql<number>`case when ${expired} then ${sql.ref('excluded.window_start')} else ${sql.ref('attempts.window_start')} end`,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  return row.failures;
}

async function openWindow(db: Db, key: string, now: number, windowSeconds: number) {
  const row = await db.selectFrom('attempts').select(['failures', 'window_start']).where('key', '=', key).executeTakeFirst();
  return row && row.window_start > now - windowSeconds ? row : undefined;
}

/**
 * Failures of `key` in its current window.
 *
 * @param db - database
 * @param key - what is counted
 * @param now - seconds
 * @param windowSeconds - window length
 * @returns 0 when there are none or the window has closed
 */
export async function countFailures(db: Db, key: string, now: number, windowSeconds: number): Promise<number> {
  return (await openWindow(db, key, now, windowSeconds))?.failures ?? 0;
}

/**
 * Seconds until the window holding `key`'s failures closes; what a locked
 * caller is told to wait.
 *
 * @param db - database
 * @param key - what is counted
 * @param now - seconds
 * @param windowSeconds - window length
 * @returns 0 when there is no open window
 */
export async function windowRemaining(db: Db, key: string, now: number, windowSeconds: number): Promise<number> {
  const window = await openWindow(db, key, now, windowSeconds);
  return window ? window.window_start + windowSeconds - now : 0;
}

/**
 * Forgets `key`'s failures, e.g. after a successful sign-in.
 *
 * @param db - database
 * @param key - what is counted
 */
export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('attempts').where('key', '=', key).execute();
}
