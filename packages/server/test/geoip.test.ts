// GeoIP: what the shipped public-domain (PDDL) country database says about
// well-known public addresses (checked against the file itself: it gives the
// country a network's autonomous system is registered in, so Cloudflare's
// anycast 1.1.1.1 is the United States), that private and loopback addresses
// never get a country (a database may hold stray entries for them; the one
// shipped before placed 192.168.0.0/16 in Australia), that a City database's
// own coordinates are used, and that a bad database path stops start-up.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '@stepwise/core';
import maxmind, { type Reader, type Response } from 'maxmind';
import { COUNTRY_CENTROIDS, countryCentroid } from '../src/risk/country-centroids.js';
import { haversineKm } from '../src/risk/geo-distance.js';
import { BUNDLED_GEOIP_DATABASE, COUNTRY_UNCERTAINTY_KM, geoIpOf, openGeoIp } from '../src/risk/geoip.js';
import { isPublicAddress, plainAddress } from '../src/risk/ip-address.js';

describe('the shipped country database', () => {
  test('places well-known public resolvers where the database says', async () => {
    const geoip = await openGeoIp(null);
    assert.equal(geoip.databaseType, 'country ipvAll');
    const countries = Object.fromEntries(
      ['8.8.8.8', '1.1.1.1', '9.9.9.9', '2001:4860:4860::8888', '81.2.69.142', '133.242.0.1', '193.0.6.139', '139.130.4.5', '130.104.1.1'].map((ip) => [ip, geoip.locate(ip)?.country]),
    );
    assert.deepEqual(countries, {
      '8.8.8.8': 'US',
      '1.1.1.1': 'US',
      '9.9.9.9': 'US',
      '2001:4860:4860::8888': 'US',
      '81.2.69.142': 'GB',
      '133.242.0.1': 'JP',
      '193.0.6.139': 'NL',
      '139.130.4.5': 'AU',
      '130.104.1.1': 'BE',
    });
  });

  test('is the public-domain IPtoASN database, with no entries for private ranges', async () => {
    assert.match(BUNDLED_GEOIP_DATABASE, /@ip-location-db\/iptoasn-country-mmdb\/iptoasn-country\.mmdb$/);
    const reader = await maxmind.open(BUNDLED_GEOIP_DATABASE);
    for (const ip of ['192.168.1.1', '10.0.0.1', '127.0.0.1']) assert.equal(reader.get(ip), null, ip);
  });

  test('a country-only record is placed at the country centre, with the country allowance', async () => {
    const geoip = await openGeoIp(null);
    assert.deepEqual(geoip.locate('8.8.8.8'), { country: 'US', latitude: 39.8, longitude: -98.6, uncertaintyKm: COUNTRY_UNCERTAINTY_KM });
  });

  test('IPv4-mapped IPv6 addresses are looked up as IPv4', async () => {
    const geoip = await openGeoIp(null);
    assert.equal(geoip.locate('::ffff:8.8.8.8')?.country, 'US');
    assert.equal(plainAddress('::FFFF:1.1.1.1'), '1.1.1.1');
  });

  test('private, loopback, link-local, documentation and malformed addresses have no country', async () => {
    const geoip = await openGeoIp(null);
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '100.64.0.1', '169.254.1.1', '203.0.113.9', '::1', 'fe80::1', 'fd00::1', '2001:db8::1', '::ffff:10.0.0.1', 'not an ip', '', undefined, null]) {
      assert.equal(geoip.locate(ip), undefined, String(ip));
    }
    assert.equal(isPublicAddress('192.168.1.1'), false);
    assert.equal(isPublicAddress('8.8.8.8'), true);
  });

  test('is opened once per process', async () => {
    assert.equal(openGeoIp(null), openGeoIp(BUNDLED_GEOIP_DATABASE));
  });
});

describe('other databases', () => {
  test('a City record gives its own point and accuracy radius', () => {
    const reader = {
      metadata: { databaseType: 'GeoLite2-City' },
      get: () => ({ country: { iso_code: 'FR' }, location: { latitude: 48.8566, longitude: 2.3522, accuracy_radius: 20 } }),
    } as unknown as Reader<Response>;
    assert.deepEqual(geoIpOf(reader).locate('8.8.8.8'), { country: 'FR', latitude: 48.8566, longitude: 2.3522, uncertaintyKm: 20 });
  });

  test('a MaxMind Country record (country.iso_code) falls back to the centre', () => {
    const reader = { metadata: { databaseType: 'GeoLite2-Country' }, get: () => ({ country: { iso_code: 'DE' } }) } as unknown as Reader<Response>;
    assert.deepEqual(geoIpOf(reader).locate('8.8.8.8'), { country: 'DE', latitude: 51.2, longitude: 10.5, uncertaintyKm: COUNTRY_UNCERTAINTY_KM });
  });

  test('a missing or malformed database is a ConfigError naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepwise-geoip-'));
    const garbage = join(dir, 'garbage.mmdb');
    writeFileSync(garbage, 'not a database');
    for (const file of [join(dir, 'missing.mmdb'), garbage]) {
      await assert.rejects(openGeoIp(file), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, 'risk.geoip.database');
        assert.ok(error.message.includes(file), error.message);
        return true;
      });
    }
  });
});

describe('distances', () => {
  test('haversine: Paris to London is about 344 km, a point to itself 0', () => {
    assert.equal(Math.round(haversineKm([48.8566, 2.3522], [51.5074, -0.1278])), 344);
    assert.equal(haversineKm([10, 20], [10, 20]), 0);
  });

  test('every ISO 3166-1 country has a centre on the globe', () => {
    assert.ok(Object.keys(COUNTRY_CENTROIDS).length >= 249);
    for (const [code, [lat, lon]] of Object.entries(COUNTRY_CENTROIDS)) {
      assert.match(code, /^[A-Z]{2}$/);
      assert.ok(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180, code);
    }
    assert.deepEqual(countryCentroid('fr'), [46.2, 2.2]);
    assert.equal(countryCentroid('ZZ'), undefined);
  });
});
