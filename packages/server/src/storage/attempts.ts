import { sql } from 'kysely';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';

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

/** A key's counter as stored: failures since `windowStart` (seconds). */
export interface FailureWindow {
  readonly failures: number;
  readonly windowStart: number;
}

/**
 * The counters of several keys in one statement, for a request that checks
 * more than one limit (an account and an IP, a step-up and its account).
 * Keys without a counter are absent; windows are not yet judged open or
 * closed (see {@link openFailures}).
 *
 * @param db - database
 * @param keys - what is counted
 * @example
 * ```ts
 * const windows = await readFailureWindows(db, [`login:user:${name}`, `login:ip:${ip}`]);
 * if (openFailures(windows.get(`login:user:${name}`), now, 900) >= 10) throw new AccountLockedError(900);
 * ```
 */
export async function readFailureWindows(db: Db, keys: readonly string[]): Promise<Map<string, FailureWindow>> {
  const rows = keys.length === 2
    ? (await twoWindows.execute(db, keys[0]!, keys[1]!)).rows
    : await db.selectFrom('attempts').select(['key', 'failures', 'window_start']).where('key', 'in', [...keys]).execute();
  return new Map(rows.map((row) => [row.key, { failures: row.failures, windowStart: row.window_start }]));
}

/** A sign-in and a code check each read two counters; see prepared-query.ts. */
const twoWindows = prepareQuery((db: Db, first: string, second: string) =>
  db.selectFrom('attempts').select(['key', 'failures', 'window_start']).where('key', 'in', [first, second]));

/**
 * Failures of a counter read by {@link readFailureWindows} in its current window.
 *
 * @param window - the counter, if the key has one
 * @param now - seconds
 * @param windowSeconds - window length
 * @returns 0 when there is none or its window has closed
 */
export function openFailures(window: FailureWindow | undefined, now: number, windowSeconds: number): number {
  return window && window.windowStart > now - windowSeconds ? window.failures : 0;
}

/**
 * Seconds until a counter's window closes; what a locked caller is told to wait.
 *
 * @param window - the counter, if the key has one
 * @param now - seconds
 * @param windowSeconds - window length
 * @returns 0 when there is no open window
 */
export function secondsUntilWindowEnds(window: FailureWindow | undefined, now: number, windowSeconds: number): number {
  return window && window.windowStart > now - windowSeconds ? window.windowStart + windowSeconds - now : 0;
}

async function readWindow(db: Db, key: string): Promise<FailureWindow | undefined> {
  const row = (await oneWindow.execute(db, key)).rows[0];
  return row && { failures: row.failures, windowStart: row.window_start };
}

/** Every answer to a challenge reads its counter first; see prepared-query.ts. */
const oneWindow = prepareQuery((db: Db, key: string) => db.selectFrom('attempts').select(['failures', 'window_start']).where('key', '=', key));

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
  return openFailures(await readWindow(db, key), now, windowSeconds);
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
  return secondsUntilWindowEnds(await readWindow(db, key), now, windowSeconds);
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
