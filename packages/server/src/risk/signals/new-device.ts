import type { RiskSignal } from '@stepwise/core';
import type { Db } from '../../storage/database.js';
import { countKnownDevices, isKnownDevice } from '../../storage/known-devices.js';
import { countSignIns } from '../../storage/sign-in-history.js';
import type { RiskContext } from '../risk-engine.js';

/**
 * `new_device`: the request comes from a device the user has never signed
 * in on: its id (the `stepwise_device` cookie, or the calling app's own id)
 * is not among their known devices, or it has no id at all. A user with no
 * sign-in history yet gets no finding: on a first sign-in every device is
 * new, so the signal would say nothing, and that first device becomes known.
 *
 * @param db - the known devices and sign-in history
 * @example
 * ```ts
 * const finding = await newDeviceSignal(db).evaluate({ userId, deviceId, time: now });
 * // { code: 'new_device', evidence: { device_id_known: false, known_devices: 2 } }
 * ```
 */
export function newDeviceSignal(db: Db): RiskSignal<RiskContext> {
  return {
    code: 'new_device',
    description: 'a device this user has not signed in on before',
    async evaluate(context) {
      if (context.deviceId && (await isKnownDevice(db, context.userId, context.deviceId))) return undefined;
      if ((await countSignIns(db, context.userId)) === 0) return undefined;
      return { code: 'new_device', evidence: { device_id_known: false, known_devices: await countKnownDevices(db, context.userId) } };
    },
  };
}
