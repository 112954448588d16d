import type { RiskSignal } from '@stepwise/core';
import type { Db } from '../../storage/database.js';
import { latestLocatedSignIns, type SignInEntry } from '../../storage/sign-in-history.js';
import { haversineKm } from '../geo-distance.js';
import { COUNTRY_UNCERTAINTY_KM, type GeoIp } from '../geoip.js';
import type { RiskContext } from '../risk-engine.js';

const round = (value: number, digits = 0) => Number(value.toFixed(digits));
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** One end of a journey: where, when, and how far off the point may be. */
interface Stop {
  readonly country: string | null;
  readonly at: number;
  readonly point: readonly [number, number];
  readonly uncertaintyKm: number | undefined;
}

/** Which two places a finding compares. */
type Pair = 'last_sign_in_to_request' | 'previous_sign_in_to_last_sign_in';

function stopOf(entry: SignInEntry, geoip: GeoIp): Stop {
  return { country: entry.country, at: entry.at, point: [entry.latitude!, entry.longitude!], uncertaintyKm: geoip.locate(entry.ip)?.uncertaintyKm };
}

/**
 * The journey from one stop to the next, when it is faster than `maxSpeedKmh`.
 * An end whose uncertainty is unknown (its address is no longer in the
 * database) borrows the other end's, or a country centre's.
 */
function impossibleJourney(pair: Pair, from: Stop, to: Stop, maxSpeedKmh: number): Record<string, unknown> | undefined {
  const distance = haversineKm(from.point, to.point);
  const allowance = (from.uncertaintyKm ?? to.uncertaintyKm ?? COUNTRY_UNCERTAINTY_KM) + (to.uncertaintyKm ?? from.uncertaintyKm ?? COUNTRY_UNCERTAINTY_KM);
  const hours = Math.max(60, to.at - from.at) / 3600;
  const speed = Math.max(0, distance - allowance) / hours;
  if (speed <= maxSpeedKmh) return undefined;
  return {
    pair,
    from: { country: from.country, at: iso(from.at) },
    to: pair === 'last_sign_in_to_request' ? { country: to.country } : { country: to.country, at: iso(to.at) },
    distance_km: round(distance),
    allowance_km: round(allowance),
    hours: round(hours, 2),
    speed_kmh: round(speed),
  };
}

/**
 * `impossible_travel`: getting from the user's last located sign-in to
 * where this request comes from would take a speed above `maxSpeedKmh`; or
 * that last sign-in lies within `newForSeconds` and getting to it from the
 * located sign-in before it would have. The second pair is what still
 * reports an attacker after their own sign-in (recorded before the
 * decisions that follow it) has become the "last place". The evidence's
 * `pair` says which was judged (`last_sign_in_to_request` first).
 *
 * The distance is the great-circle distance between the two points less
 * the uncertainty of each (a country centre allows 1000 km, a City record
 * its accuracy radius), so neighbouring countries never trip it; the time
 * is at least one minute. A request without a location is judged on the
 * second pair only.
 *
 * @param db - the sign-in history
 * @param geoip - the GeoIP database
 * @param maxSpeedKmh - the fastest believable travel (a passenger jet: 1000)
 * @param newForSeconds - how recent the last sign-in must be for its own journey to be judged (`risk.new_for`)
 * @example
 * ```ts
 * const finding = await impossibleTravelSignal(db, geoip, 1000, 86_400).evaluate({ userId, ip: '139.130.4.5', time: now });
 * // evidence: { pair: 'last_sign_in_to_request', from: { country: 'US', at: '…' }, to: { country: 'AU' }, distance_km: 14924, allowance_km: 2000, hours: 1, speed_kmh: 12924 }
 * ```
 */
export function impossibleTravelSignal(db: Db, geoip: GeoIp, maxSpeedKmh: number, newForSeconds: number): RiskSignal<RiskContext> {
  return {
    code: 'impossible_travel',
    description: `travel from the previous sign-in faster than ${maxSpeedKmh} km/h`,
    async evaluate(context) {
      const [last, previous] = await latestLocatedSignIns(db, context.userId, context.time, 2);
      if (!last) return undefined;
      const lastStop = stopOf(last, geoip);
      const here = geoip.locate(context.ip);
      if (here) {
        const request: Stop = { country: here.country, at: context.time, point: [here.latitude, here.longitude], uncertaintyKm: here.uncertaintyKm };
        const evidence = impossibleJourney('last_sign_in_to_request', lastStop, request, maxSpeedKmh);
        if (evidence) return { code: 'impossible_travel', evidence };
      }
      if (!previous || last.at <= context.time - newForSeconds) return undefined;
      const evidence = impossibleJourney('previous_sign_in_to_last_sign_in', stopOf(previous, geoip), lastStop, maxSpeedKmh);
      return evidence ? { code: 'impossible_travel', evidence } : undefined;
    },
  };
}
