import type { RiskSignal } from '@stepwise/core';
import type { Db } from '../../storage/database.js';
import { signInCountries } from '../../storage/sign-in-history.js';
import type { GeoIp } from '../geoip.js';
import type { RiskContext } from '../risk-engine.js';

/**
 * `new_country`: GeoIP places the address in a country the user has never
 * signed in from. Only once at least one earlier sign-in has a country;
 * addresses without one (private, loopback, unknown to the database) give
 * no finding.
 *
 * @param db - the sign-in history
 * @param geoip - the GeoIP database
 * @example
 * ```ts
 * const finding = await newCountrySignal(db, geoip).evaluate({ userId, ip: '1.1.1.1', time: now });
 * // { code: 'new_country', evidence: { ip: '1.1.1.1', country: 'AU', known_countries: ['FR'] } }
 * ```
 */
export function newCountrySignal(db: Db, geoip: GeoIp): RiskSignal<RiskContext> {
  return {
    code: 'new_country',
    description: 'a country this user has not signed in from before',
    async evaluate(context) {
      const location = geoip.locate(context.ip);
      if (!location) return undefined;
      const known = await signInCountries(db, context.userId);
      if (known.length === 0 || known.includes(location.country)) return undefined;
      return { code: 'new_country', evidence: { ip: context.ip, country: location.country, known_countries: known } };
    },
  };
}
