import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';

/** One sign-in as the risk signals remember it. */
export interface SignInEntry {
  readonly at: number;
  readonly ip: string | null;
  /** ISO 3166-1 alpha-2, from GeoIP; `null` for private addresses or unknown ones. */
  readonly country: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly deviceId: string | null;
}

/** How many sign-ins are kept per user: enough to learn hours and places, bounded so the table stays small. */
export const SIGN_IN_HISTORY_LIMIT = 200;

const columns = ['at', 'ip', 'country', 'latitude', 'longitude', 'device_id'] as const;

function toEntry(row: { at: number; ip: string | null; country: string | null; latitude: number | null; longitude: number | null; device_id: string | null }): SignInEntry {
  return { at: row.at, ip: row.ip, country: row.country, latitude: row.latitude, longitude: row.longitude, deviceId: row.device_id };
}

/**
 * Adds a sign-in to a user's history and drops the oldest beyond
 * {@link SIGN_IN_HISTORY_LIMIT}.
 *
 * @param db - database
 * @param userId - who signed in
 * @param entry - when, from where, on which device
 * @example
 * ```ts
 * await addSignIn(db, user.id, { at: now, ip: '8.8.8.8', country: 'US', latitude: 39.8, longitude: -98.6, deviceId });
 * ```
 */
export async function addSignIn(db: Db, userId: string, entry: SignInEntry): Promise<void> {
  await signInInsert.execute(db, randomUUID(), userId, entry.at, entry.ip, entry.country, entry.latitude, entry.longitude, entry.deviceId);
  const [cutoff] = (await historyCutoff.execute(db, userId)).rows;
  if (cutoff) await db.deleteFrom('sign_in_history').where('user_id', '=', userId).where('at', '<=', cutoff.at).execute();
}

/** Every sign-in runs these two; see prepared-query.ts. */
const signInInsert = prepareQuery((
  db: Db, id: string, userId: string, at: number, ip: string | null, country: string | null,
  latitude: number | null, longitude: number | null, deviceId: string | null,
) => db.insertInto('sign_in_history').values({ id, user_id: userId, at, ip, country, latitude, longitude, device_id: deviceId }));

const historyCutoff = prepareQuery((db: Db, userId: string) => db
  .selectFrom('sign_in_history')
  .select('at')
  .where('user_id', '=', userId)
  .orderBy('at', 'desc')
  .offset(SIGN_IN_HISTORY_LIMIT)
  .limit(1));

/**
 * A user's sign-ins, newest first; those of one second in no set order.
 *
 * @param db - database
 * @param userId - whose
 * @param limit - at most this many
 * @example
 * ```ts
 * const hours = (await listSignIns(db, user.id)).map((entry) => new Date(entry.at * 1000).getUTCHours());
 * ```
 */
export async function listSignIns(db: Db, userId: string, limit = SIGN_IN_HISTORY_LIMIT): Promise<SignInEntry[]> {
  const rows = await db
    .selectFrom('sign_in_history')
    .select(columns)
    .where('user_id', '=', userId)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toEntry);
}

/**
 * How many sign-ins a user has in their history.
 *
 * @param db - database
 * @param userId - whose
 * @example
 * ```ts
 * if ((await countSignIns(db, user.id)) === 0) return undefined; // first sign-in: nothing to compare with
 * ```
 */
export async function countSignIns(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('sign_in_history')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * When a user's history begins: their earliest kept sign-in.
 *
 * @param db - database
 * @param userId - whose
 * @returns seconds, or `undefined` when they have never signed in
 * @example
 * ```ts
 * const since = await firstSignInAt(db, user.id);
 * ```
 */
export async function firstSignInAt(db: Db, userId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('sign_in_history')
    .select((eb) => eb.fn.min('at').as('first'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.first === null || row?.first === undefined ? undefined : Number(row.first);
}

/**
 * The user's latest sign-ins with a known location at or before `time`,
 * newest first: the previous place, and the one before it.
 *
 * @param db - database
 * @param userId - whose
 * @param time - seconds; later sign-ins are ignored
 * @param limit - at most this many
 * @example
 * ```ts
 * const [previous, beforeThat] = await latestLocatedSignIns(db, user.id, now, 2);
 * ```
 */
export async function latestLocatedSignIns(db: Db, userId: string, time: number, limit: number): Promise<SignInEntry[]> {
  const rows = await db
    .selectFrom('sign_in_history')
    .select(columns)
    .where('user_id', '=', userId)
    .where('at', '<=', time)
    .where('latitude', 'is not', null)
    .where('longitude', 'is not', null)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toEntry);
}

/** A country a user has signed in from, and when they first did (within the kept history). */
export interface SignInCountry {
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  /** Seconds. */
  readonly firstSeenAt: number;
}

/**
 * The countries a user has signed in from, sorted, each with its first sign-in.
 *
 * @param db - database
 * @param userId - whose
 * @example
 * ```ts
 * const seen = await signInCountries(db, user.id); // [{ country: 'DE', firstSeenAt: … }, { country: 'FR', firstSeenAt: … }]
 * ```
 */
export async function signInCountries(db: Db, userId: string): Promise<SignInCountry[]> {
  const rows = await db
    .selectFrom('sign_in_history')
    .select((eb) => ['country', eb.fn.min('at').as('first_seen_at')])
    .where('user_id', '=', userId)
    .where('country', 'is not', null)
    .groupBy('country')
    .execute();
  return rows
    .map((row) => ({ country: row.country!, firstSeenAt: Number(row.first_seen_at) }))
    .sort((a, b) => (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
}
