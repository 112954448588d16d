import type { RiskSignal } from '@stepwise/core';
import type { Db } from '../../storage/database.js';
import { countKnownDevices, findKnownDevice, firstDeviceSeenAt } from '../../storage/known-devices.js';
import { firstSignInAt } from '../../storage/sign-in-history.js';
import type { RiskContext } from '../risk-engine.js';

/** When the user's history began: their first kept sign-in or first known device, whichever is earlier. */
async function historyBeganAt(db: Db, userId: string): Promise<number | undefined> {
  const [signIn, device] = await Promise.all([firstSignInAt(db, userId), firstDeviceSeenAt(db, userId)]);
  if (signIn === undefined) return device;
  return device === undefined ? signIn : Math.min(signIn, device);
}

/**
 * `new_device`: the request comes from a device new to the user: its id
 * (the `stepwise_device` cookie, or the calling app's own id) is not among
 * their known devices, or it has no id at all, or the device was first seen
 * within the last `newForSeconds`. That last case is what keeps an attacker's
 * device new in the decisions right after their own sign-in, which has
 * already been recorded. A user with no sign-in history yet gets no finding
 * (on a first sign-in every device is new, so the signal would say nothing),
 * and neither does the device their history began with.
 *
 * @param db - the known devices and sign-in history
 * @param newForSeconds - how long a device first seen counts as new (`risk.new_for`)
 * @example
 * ```ts
 * const finding = await newDeviceSignal(db, 86_400).evaluate({ userId, deviceId, time: now });
 * // { code: 'new_device', evidence: { device_id_known: false, known_devices: 2 } }
 * // or, for a device first seen an hour ago:
 * // { code: 'new_device', evidence: { device_id_known: true, first_seen: '2030-01-15T09:00:00.000Z', new_for_seconds: 86400 } }
 * ```
 */
export function newDeviceSignal(db: Db, newForSeconds: number): RiskSignal<RiskContext> {
  return {
    code: 'new_device',
    description: 'a device this user has not signed in on before',
    async evaluate(context) {
      const device = context.deviceId ? await findKnownDevice(db, context.userId, context.deviceId) : undefined;
      if (device && device.firstSeenAt <= context.time - newForSeconds) return undefined;
      const began = await historyBeganAt(db, context.userId);
      if (began === undefined) return undefined;
      if (!device) {
        return { code: 'new_device', evidence: { device_id_known: false, known_devices: await countKnownDevices(db, context.userId) } };
      }
      if (began >= device.firstSeenAt) return undefined;
      return {
        code: 'new_device',
        evidence: { device_id_known: true, first_seen: new Date(device.firstSeenAt * 1000).toISOString(), new_for_seconds: newForSeconds },
      };
    },
  };
}
