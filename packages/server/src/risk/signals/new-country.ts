import type { RiskSignal } from '@stepwise/core';
import type { Db } from '../../storage/database.js';
import { signInCountries } from '../../storage/sign-in-history.js';
import type { GeoIp } from '../geoip.js';
import type { RiskContext } from '../risk-engine.js';

/**
 * `new_country`: GeoIP places the address in a country the user has never
 * signed in from, or first did within the last `newForSeconds` (so the
 * attacker's own sign-in, recorded before the decisions that follow it,
 * does not make their country known). Only once at least one sign-in has a
 * country, and never for the country the history began in; addresses
 * without one (private, loopback, unknown to the database) give no finding.
 *
 * @param db - the sign-in history
 * @param geoip - the GeoIP database
 * @param newForSeconds - how long a country first seen counts as new (`risk.new_for`)
 * @example
 * ```ts
 * const finding = await newCountrySignal(db, geoip, 86_400).evaluate({ userId, ip: '139.130.4.5', time: now });
 * // { code: 'new_country', evidence: { ip: '139.130.4.5', country: 'AU', known_countries: ['FR'] } }
 * // or, for a country first seen an hour ago:
 * // { code: 'new_country', evidence: { ip: '139.130.4.5', country: 'AU', first_seen: '…', new_for_seconds: 86400, known_countries: ['FR'] } }
 * ```
 */
export function newCountrySignal(db: Db, geoip: GeoIp, newForSeconds: number): RiskSignal<RiskContext> {
  return {
    code: 'new_country',
    description: 'a country this user has not signed in from before',
    async evaluate(context) {
      const location = geoip.locate(context.ip);
      if (!location) return undefined;
      const countries = await signInCountries(db, context.userId);
      if (countries.length === 0) return undefined;
      const here = countries.find((seen) => seen.country === location.country);
      const others = countries.filter((seen) => seen !== here);
      const known = others.map((seen) => seen.country);
      if (!here) return { code: 'new_country', evidence: { ip: context.ip, country: location.country, known_countries: known } };
      const recent = here.firstSeenAt > context.time - newForSeconds;
      const seenBefore = others.some((seen) => seen.firstSeenAt < here.firstSeenAt);
      if (!recent || !seenBefore) return undefined;
      return {
        code: 'new_country',
        evidence: {
          ip: context.ip,
          country: location.country,
          first_seen: new Date(here.firstSeenAt * 1000).toISOString(),
          new_for_seconds: newForSeconds,
          known_countries: known,
        },
      };
    },
  };
}
