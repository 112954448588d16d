import type { RiskSignal } from '@stepwise/core';
import type { Db } from '../../storage/database.js';
import { latestLocatedSignIn } from '../../storage/sign-in-history.js';
import { haversineKm } from '../geo-distance.js';
import type { GeoIp } from '../geoip.js';
import type { RiskContext } from '../risk-engine.js';

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

/**
 * `impossible_travel`: getting from the user's previous located sign-in to
 * where this request comes from would take a speed above `maxSpeedKmh`.
 * The distance is the great-circle distance between the two points less
 * the uncertainty of each (a country centre allows 1000 km, a City record
 * its accuracy radius), so neighbouring countries never trip it; the time
 * is at least one minute. Requests without a location give no finding.
 *
 * @param db - the sign-in history
 * @param geoip - the GeoIP database
 * @param maxSpeedKmh - the fastest believable travel (a passenger jet: 1000)
 * @example
 * ```ts
 * const finding = await impossibleTravelSignal(db, geoip, 1000).evaluate({ userId, ip: '1.1.1.1', time: now });
 * // evidence: { from: { country: 'US', at: '…' }, to: { country: 'AU' }, distance_km: 14924, allowance_km: 2000, hours: 1, speed_kmh: 12924 }
 * ```
 */
export function impossibleTravelSignal(db: Db, geoip: GeoIp, maxSpeedKmh: number): RiskSignal<RiskContext> {
  return {
    code: 'impossible_travel',
    description: `travel from the previous sign-in faster than ${maxSpeedKmh} km/h`,
    async evaluate(context) {
      const here = geoip.locate(context.ip);
      if (!here) return undefined;
      const previous = await latestLocatedSignIn(db, context.userId, context.time);
      if (!previous || previous.latitude === null || previous.longitude === null) return undefined;
      const distance = haversineKm([previous.latitude, previous.longitude], [here.latitude, here.longitude]);
      const before = previous.ip ? geoip.locate(previous.ip) : undefined;
      const allowance = here.uncertaintyKm + (before?.uncertaintyKm ?? here.uncertaintyKm);
      const hours = Math.max(60, context.time - previous.at) / 3600;
      const speed = Math.max(0, distance - allowance) / hours;
      if (speed <= maxSpeedKmh) return undefined;
      return {
        code: 'impossible_travel',
        evidence: {
          from: { country: previous.country, at: new Date(previous.at * 1000).toISOString() },
          to: { country: here.country },
          distance_km: round(distance),
          allowance_km: round(allowance),
          hours: round(hours, 2),
          speed_kmh: round(speed),
        },
      };
    },
  };
}
