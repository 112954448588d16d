import { sql } from 'kysely';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';

/**
 * Remembers that a user signed in on a device, or refreshes when it was
 * last seen. One statement, so concurrent sign-ins on one device never
 * conflict.
 *
 * @param db - database
 * @param userId - who signed in
 * @param deviceId - the device cookie's id
 * @param now - seconds
 * @example
 * ```ts
 * await rememberDevice(db, user.id, deviceId, now);
 * ```
 */
export async function rememberDevice(db: Db, userId: string, deviceId: string, now: number): Promise<void> {
  await deviceUpsert.execute(db, userId, deviceId, now);
}

/** Every sign-in runs it; see prepared-query.ts. */
const deviceUpsert = prepareQuery((db: Db, userId: string, deviceId: string, now: number) => db
  .insertInto('known_devices')
  .values({ user_id: userId, device_id: deviceId, first_seen_at: now, last_seen_at: now })
  .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet({ last_seen_at: sql<number>`${sql.ref('excluded.last_seen_at')}` })));

/** A device a user has signed in on. */
export interface KnownDevice {
  /** Seconds. */
  readonly firstSeenAt: number;
  /** Seconds. */
  readonly lastSeenAt: number;
}

/**
 * A device a user has signed in on before, with when they first and last did.
 *
 * @param db - database
 * @param userId - whose
 * @param deviceId - the device cookie's id
 * @returns `undefined` for a device they have never signed in on
 * @example
 * ```ts
 * const device = await findKnownDevice(db, user.id, deviceId);
 * if (!device) console.log('new device');
 * ```
 */
export async function findKnownDevice(db: Db, userId: string, deviceId: string): Promise<KnownDevice | undefined> {
  const row = await db
    .selectFrom('known_devices')
    .select(['first_seen_at', 'last_seen_at'])
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row ? { firstSeenAt: Number(row.first_seen_at), lastSeenAt: Number(row.last_seen_at) } : undefined;
}

/**
 * When a user first signed in on any device.
 *
 * @param db - database
 * @param userId - whose
 * @returns seconds, or `undefined` when they have no known device
 * @example
 * ```ts
 * const since = await firstDeviceSeenAt(db, user.id);
 * ```
 */
export async function firstDeviceSeenAt(db: Db, userId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('known_devices')
    .select((eb) => eb.fn.min('first_seen_at').as('first'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.first === null || row?.first === undefined ? undefined : Number(row.first);
}

/**
 * How many devices a user has signed in on.
 *
 * @param db - database
 * @param userId - whose
 * @example
 * ```ts
 * const count = await countKnownDevices(db, user.id);
 * ```
 */
export async function countKnownDevices(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('known_devices')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
