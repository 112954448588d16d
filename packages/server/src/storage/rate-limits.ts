import { sql } from 'kysely';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';

/*
 * Fixed-window request counters for the HTTP rate limits, the same shape as
 * the failure counters in `attempts.ts` but in milliseconds: a window opens
 * at a key's first request and lasts `windowMs`; a request after it has
 * ended opens a new one. Shared by every server process on the database.
 */

/** A key's count in its current window. */
export interface RateLimitHit {
  /** Requests in the window, this one included. */
  readonly hits: number;
  /** When the window ends, epoch milliseconds. */
  readonly resetsAt: number;
}

/**
 * Atomically counts one request against `key` and returns the count in the
 * current window. One INSERT … ON CONFLICT … RETURNING statement, so
 * concurrent requests on several nodes are all counted.
 *
 * @param db - database
 * @param key - the route and the caller
 * @param nowMs - epoch milliseconds
 * @param windowMs - window length
 * @example
 * ```ts
 * const { hits, resetsAt } = await countRequest(db, 'POST /account/totp 203.0.113.7', Date.now(), 60_000);
 * ```
 */
export async function countRequest(db: Db, key: string, nowMs: number, windowMs: number): Promise<RateLimitHit> {
  const [row] = (await requestCount.execute(db, key, nowMs, nowMs + windowMs)).rows;
  if (!row) throw new Error('the rate-limit upsert returned no row');
  return { hits: row.hits, resetsAt: row.resets_at };
}

/** Every form post and API call runs it; see prepared-query.ts. */
const requestCount = prepareQuery((db: Db, key: string, nowMs: number, resetsAt: number) => {
  const ended = sql<boolean>`${sql.ref('rate_limits.resets_at')} <= ${nowMs}`;
  // Both SET expressions read the row as it was before the update.
  return db
    .insertInto('rate_limits')
    .values({ key, hits: 1, resets_at: resetsAt })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        hits: sql<number>`case when ${ended} then 1 else ${sql.ref('rate_limits.hits')} + 1 end`,
        resets_at: sql<number>`case when ${ended} then ${sql.ref('excluded.resets_at')} else ${sql.ref('rate_limits.resets_at')} end`,
      }),
    )
    .returning(['hits', 'resets_at']);
});

/**
 * Deletes the counters whose window has ended; a later request opens a new one.
 *
 * @param db - database
 * @param nowMs - epoch milliseconds
 * @returns how many were deleted
 */
export async function deleteEndedRateLimits(db: Db, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('rate_limits').where('resets_at', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
