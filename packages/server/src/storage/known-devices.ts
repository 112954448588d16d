import { sql } from 'kysely';
import type { Db } from './database.js';

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
  await db
    .insertInto('known_devices')
    .values({ user_id: userId, device_id: deviceId, first_seen_at: now, last_seen_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet({ last_seen_at: sql<number>`${sql.ref('excluded.last_seen_at')}` }))
    .execute();
}

/**
 * Whether a user has signed in on a device before.
 *
 * @param db - database
 * @param userId - whose
 * @param deviceId - the device cookie's id
 * @example
 * ```ts
 * if (!(await isKnownDevice(db, user.id, deviceId))) console.log('new device');
 * ```
 */
export async function isKnownDevice(db: Db, userId: string, deviceId: string): Promise<boolean> {
  const row = await db
    .selectFrom('known_devices')
    .select('device_id')
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row !== undefined;
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
