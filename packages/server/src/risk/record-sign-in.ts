import type { Db } from '../storage/database.js';
import { rememberDevice } from '../storage/known-devices.js';
import { addSignIn } from '../storage/sign-in-history.js';
import type { GeoIp } from './geoip.js';
import { plainAddress } from './ip-address.js';
import type { SignInRecord } from './risk-engine.js';

/**
 * What the engine does with a completed sign-in: adds it to the user's
 * history with the place GeoIP gives (country and point; nothing for
 * private addresses) and remembers its device, in the caller's
 * transaction when given one.
 *
 * @param db - the sign-in history and known devices
 * @param geoip - the GeoIP database
 * @example
 * ```ts
 * const record = signInRecorder(db, geoip);
 * await record({ userId, ip: request.ip, deviceId, time: now, succeeded: true });
 * ```
 */
export function signInRecorder(db: Db, geoip: GeoIp): (record: SignInRecord, trx?: Db) => Promise<void> {
  return async (record, trx = db) => {
    const ip = plainAddress(record.ip) ?? null;
    const location = geoip.locate(ip);
    await addSignIn(trx, record.userId, {
      at: record.time,
      ip,
      country: location?.country ?? null,
      latitude: location?.latitude ?? null,
      longitude: location?.longitude ?? null,
      deviceId: record.deviceId ?? null,
    });
    if (record.deviceId) await rememberDevice(trx, record.userId, record.deviceId, record.time);
  };
}
