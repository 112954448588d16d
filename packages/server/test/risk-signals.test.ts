// The risk engine's signals, each found and not found with its evidence, on
// SQLite and on PostgreSQL (STEPWISE_TEST_POSTGRES_URL, or a temporary
// server); the deny-list parser's errors; the engine end to end (two signals
// firing sum their weights into the score and level); `risk.new_for`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { ConfigError } from '@stepwise/core';
import { loadConfig, type StepwiseConfig } from '../src/config/load.js';
import { readRisk } from '../src/config/policy-load.js';
import { createRiskEngine } from '../src/risk/create-risk-engine.js';
import { loadDenyLists, parseDenyList } from '../src/risk/deny-lists.js';
import { openGeoIp, type GeoIp } from '../src/risk/geoip.js';
import { signInRecorder } from '../src/risk/record-sign-in.js';
import type { RiskContext } from '../src/risk/risk-engine.js';
import { failedAttemptsSignal } from '../src/risk/signals/failed-attempts.js';
import { impossibleTravelSignal } from '../src/risk/signals/impossible-travel.js';
import { newCountrySignal } from '../src/risk/signals/new-country.js';
import { newDeviceSignal } from '../src/risk/signals/new-device.js';
import { unusualHourSignal, usualHours } from '../src/risk/signals/unusual-hour.js';
import { untrustedIpSignal } from '../src/risk/signals/untrusted-ip.js';
import { registerFailure } from '../src/storage/attempts.js';
import { openDatabase, type Database, type Db } from '../src/storage/database.js';
import { countKnownDevices } from '../src/storage/known-devices.js';
import { addSignIn, countSignIns, listSignIns, SIGN_IN_HISTORY_LIMIT } from '../src/storage/sign-in-history.js';
import { createUser } from '../src/storage/users.js';
import { describeOnPostgres } from './support/postgres.js';

const tmp = mkdtempSync(join(tmpdir(), 'stepwise-risk-'));
/** 2030-01-15 at `hour`:00 UTC, in seconds. */
const at = (hour: number, day = 15) => Date.UTC(2030, 0, day, hour) / 1000;
const US = '8.8.8.8';
const AU = '139.130.4.5'; // Telstra
/** `risk.new_for`'s default: a day. */
const NEW_FOR = 86_400;
const NL = '193.0.6.139';
const BE = '130.104.1.1';

function writeList(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

function configWith(risk: Partial<StepwiseConfig['risk']>): StepwiseConfig {
  const config = loadConfig({ file: null, env: {}, overrides: { issuer: 'http://127.0.0.1:9', data_dir: tmp, log_level: 'silent' } });
  return { ...config, risk: { ...config.risk, ...risk } };
}

describe('deny lists', () => {
  const text = '# Tor exits\n185.220.101.0/24\n\n2001:db8:1::/48   # a v6 range\n45.13.0.7\n1.10.16.0/20 ; SBL256894\n';

  test('ranges, bare addresses, IPv6 and comments', () => {
    const list = parseDenyList(text, '/etc/stepwise/tor.txt');
    assert.equal(list.name, 'tor.txt');
    assert.equal(list.size, 4);
    assert.equal(list.match('185.220.101.7'), '185.220.101.0/24');
    assert.equal(list.match('2001:db8:1:2::9'), '2001:db8:1::/48');
    assert.equal(list.match('45.13.0.7'), '45.13.0.7/32');
    assert.equal(list.match('1.10.20.1'), '1.10.16.0/20');
    assert.equal(list.match('45.13.0.8'), undefined);
    assert.equal(list.match('8.8.8.8'), undefined);
    assert.equal(list.match('nonsense'), undefined);
  });

  test('a hit deep in a long list names its own range', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
    const list = parseDenyList(lines.join('\n'), 'big.txt');
    assert.equal(list.match('10.3.200.77'), '10.3.200.0/24');
  });

  for (const [bad, line] of [['999.1.1.1', 2], ['10.0.0.0/33', 2], ['2001:db8::/129', 2], ['10.0.0.0/8/8', 2], ['10.0.0.0/x', 2], ['example.com', 2]] as const) {
    test(`"${bad}" is a ConfigError naming the file and line`, () => {
      assert.throws(() => parseDenyList(`# header\n${bad}\n10.0.0.0/8\n`, '/lists/mine.txt'), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, 'risk.untrusted_ip.lists');
        assert.match(error.message, new RegExp(`/lists/mine\\.txt line ${line}: "${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`));
        return true;
      });
    });
  }

  test('a missing file is a ConfigError naming it; a good file loads', () => {
    const missing = join(tmp, 'absent.txt');
    assert.throws(() => loadDenyLists([missing]), (error: unknown) => error instanceof ConfigError && error.message.includes(missing) && /ENOENT/.test(error.message));
    assert.equal(loadDenyLists([writeList('ok.txt', text)])[0]?.size, 4);
  });

  test('a bad list stops the engine from starting', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      const config = configWith({ denyLists: [writeList('broken.txt', '1.2.3.4\n1.2.3\n')] });
      await assert.rejects(createRiskEngine(config, database.db, pino({ level: 'silent' })), /broken\.txt line 2/);
    } finally {
      await database.close();
    }
  });
});

describe('risk.new_for', () => {
  test('a day by default; a duration; not zero', () => {
    assert.equal(readRisk(undefined, '/').newForSeconds, 86_400);
    assert.equal(readRisk({ new_for: '2h' }, '/').newForSeconds, 7200);
    assert.equal(readRisk({ new_for: 600 }, '/').newForSeconds, 600);
    assert.throws(() => readRisk({ new_for: 0 }, '/'), (error: unknown) => error instanceof ConfigError && error.key === 'risk.new_for');
  });
});

describe('usual hours', () => {
  test('hours seen twice, and the hour either side, wrapping at midnight', () => {
    assert.deepEqual(usualHours([at(9), at(9, 16), at(14)]), [8, 9, 10]);
    assert.deepEqual(usualHours([at(23), at(23, 16), at(5)]), [0, 22, 23]);
    assert.deepEqual(usualHours([at(1), at(2), at(3)]), []);
  });
});

function signalSuite(name: string, open: () => Promise<Database>, cleanup?: () => Promise<void>): void {
  describe(name, () => {
    let database: Database;
    let db: Db;
    let geoip: GeoIp;
    before(async () => { database = await open(); db = database.db; geoip = await openGeoIp(null); });
    after(async () => { await database.close(); await cleanup?.(); });

    const newUser = async () => (await createUser(db, { username: `u-${randomUUID().slice(0, 8)}`, passwordHash: 'h' })).id;
    const record = (context: RiskContext) => signInRecorder(db, geoip)({ ...context, succeeded: true });

    test('history: stored with its country and point; devices remembered; capped per user', async () => {
      const userId = await newUser();
      await record({ userId, ip: '::ffff:8.8.8.8', deviceId: 'd1', time: at(9) });
      await record({ userId, ip: '10.0.0.1', deviceId: 'd1', time: at(10) });
      const [latest, first] = await listSignIns(db, userId);
      assert.deepEqual(first, { at: at(9), ip: '8.8.8.8', country: 'US', latitude: 39.8, longitude: -98.6, deviceId: 'd1' });
      assert.deepEqual(latest, { at: at(10), ip: '10.0.0.1', country: null, latitude: null, longitude: null, deviceId: 'd1' });
      assert.equal(await countKnownDevices(db, userId), 1);
      for (let i = 0; i < SIGN_IN_HISTORY_LIMIT + 3; i++) {
        await addSignIn(db, userId, { at: at(0) + i, ip: null, country: null, latitude: null, longitude: null, deviceId: null });
      }
      assert.equal(await countSignIns(db, userId), SIGN_IN_HISTORY_LIMIT);
      assert.equal((await listSignIns(db, userId))[0]?.at, at(10));
    });

    test('new_device: nothing on a first sign-in; an unknown or missing id after; a known id is fine', async () => {
      const userId = await newUser();
      const signal = newDeviceSignal(db, NEW_FOR);
      assert.equal(await signal.evaluate({ userId, deviceId: 'laptop', time: at(9) }), undefined);
      await record({ userId, deviceId: 'laptop', time: at(9) });
      assert.equal(await signal.evaluate({ userId, deviceId: 'laptop', time: at(10) }), undefined);
      assert.deepEqual(await signal.evaluate({ userId, deviceId: 'phone', time: at(10) }), {
        code: 'new_device', evidence: { device_id_known: false, known_devices: 1 },
      });
      assert.deepEqual((await signal.evaluate({ userId, time: at(10) }))?.evidence, { device_id_known: false, known_devices: 1 });
    });

    test('new_device: a device first seen within new_for is still new; the device the history began with is not', async () => {
      const userId = await newUser();
      const signal = newDeviceSignal(db, NEW_FOR);
      await record({ userId, deviceId: 'laptop', time: at(9) });
      assert.equal(await signal.evaluate({ userId, deviceId: 'laptop', time: at(9) }), undefined, 'the very first sign-in is the baseline');
      await record({ userId, deviceId: 'phone', time: at(12) });
      const recent = { code: 'new_device', evidence: { device_id_known: true, first_seen: '2030-01-15T12:00:00.000Z', new_for_seconds: NEW_FOR } };
      assert.deepEqual(await signal.evaluate({ userId, deviceId: 'phone', time: at(12) }), recent, 'recorded at the same instant');
      assert.deepEqual(await signal.evaluate({ userId, deviceId: 'phone', time: at(11, 16) }), recent, '23 hours on');
      assert.equal(await signal.evaluate({ userId, deviceId: 'phone', time: at(12, 16) }), undefined, 'new_for has passed');
      assert.equal(await signal.evaluate({ userId, deviceId: 'laptop', time: at(13) }), undefined);

      // A history that began with sign-ins without a device id: the first device is new too.
      const other = await newUser();
      await record({ userId: other, time: at(9) });
      await record({ userId: other, deviceId: 'tablet', time: at(10) });
      assert.deepEqual((await signal.evaluate({ userId: other, deviceId: 'tablet', time: at(10) }))?.evidence, {
        device_id_known: true, first_seen: '2030-01-15T10:00:00.000Z', new_for_seconds: NEW_FOR,
      });
    });

    test('new_country: a country not in the history; nothing without history or without a country', async () => {
      const userId = await newUser();
      const signal = newCountrySignal(db, geoip, NEW_FOR);
      assert.equal(await signal.evaluate({ userId, ip: AU, time: at(9) }), undefined);
      await record({ userId, ip: US, time: at(9) });
      assert.deepEqual(await signal.evaluate({ userId, ip: AU, time: at(10) }), {
        code: 'new_country', evidence: { ip: AU, country: 'AU', known_countries: ['US'] },
      });
      assert.equal(await signal.evaluate({ userId, ip: '9.9.9.9', time: at(10) }), undefined);
      assert.equal(await signal.evaluate({ userId, ip: '192.168.1.1', time: at(10) }), undefined);
      assert.equal(await signal.evaluate({ userId, time: at(10) }), undefined);
    });

    test('new_country: a country first seen within new_for is still new; the country the history began in is not', async () => {
      const userId = await newUser();
      const signal = newCountrySignal(db, geoip, NEW_FOR);
      await record({ userId, ip: US, time: at(9) });
      assert.equal(await signal.evaluate({ userId, ip: US, time: at(9) }), undefined, 'the very first sign-in is the baseline');
      await record({ userId, ip: AU, time: at(12) });
      const recent = { code: 'new_country', evidence: { ip: AU, country: 'AU', first_seen: '2030-01-15T12:00:00.000Z', new_for_seconds: NEW_FOR, known_countries: ['US'] } };
      assert.deepEqual(await signal.evaluate({ userId, ip: AU, time: at(12) }), recent, 'recorded at the same instant');
      assert.deepEqual(await signal.evaluate({ userId, ip: AU, time: at(11, 16) }), recent, '23 hours on');
      assert.equal(await signal.evaluate({ userId, ip: AU, time: at(12, 16) }), undefined, 'new_for has passed');
      assert.equal(await signal.evaluate({ userId, ip: US, time: at(13) }), undefined);
      assert.deepEqual((await signal.evaluate({ userId, ip: NL, time: at(13) }))?.evidence, { ip: NL, country: 'NL', known_countries: ['AU', 'US'] });
    });

    test('impossible_travel: US then Australia an hour later; a day later is fine', async () => {
      const userId = await newUser();
      const signal = impossibleTravelSignal(db, geoip, 1000, NEW_FOR);
      assert.equal(await signal.evaluate({ userId, ip: AU, time: at(9) }), undefined);
      await record({ userId, ip: US, time: at(9) });
      const finding = await signal.evaluate({ userId, ip: AU, time: at(10) });
      assert.equal(finding?.code, 'impossible_travel');
      const evidence = finding!.evidence as { pair: string; from: unknown; to: unknown; hours: number; allowance_km: number; distance_km: number; speed_kmh: number };
      assert.equal(evidence.pair, 'last_sign_in_to_request');
      assert.deepEqual(evidence.from, { country: 'US', at: '2030-01-15T09:00:00.000Z' });
      assert.deepEqual(evidence.to, { country: 'AU' });
      assert.equal(evidence.hours, 1);
      assert.equal(evidence.allowance_km, 2000);
      assert.ok(evidence.distance_km > 13_000 && evidence.distance_km < 15_000, String(evidence.distance_km));
      assert.equal(evidence.speed_kmh, evidence.distance_km - 2000);
      assert.equal(await signal.evaluate({ userId, ip: AU, time: at(9, 16) }), undefined);
    });

    test('impossible_travel: once the far sign-in is recorded, the jump to it is judged while it lies within new_for', async () => {
      const userId = await newUser();
      const signal = impossibleTravelSignal(db, geoip, 1000, NEW_FOR);
      await record({ userId, ip: US, time: at(9) });
      await record({ userId, ip: AU, time: at(10) });
      for (const context of [{ userId, ip: AU, time: at(10) }, { userId, ip: AU, time: at(10) + 30 }, { userId, time: at(10) + 60 }]) {
        const finding = await signal.evaluate(context);
        const evidence = finding?.evidence as { pair: string; from: unknown; to: unknown; hours: number; allowance_km: number } | undefined;
        assert.equal(evidence?.pair, 'previous_sign_in_to_last_sign_in', JSON.stringify(context));
        assert.deepEqual([evidence.from, evidence.to, evidence.hours, evidence.allowance_km], [
          { country: 'US', at: '2030-01-15T09:00:00.000Z' }, { country: 'AU', at: '2030-01-15T10:00:00.000Z' }, 1, 2000,
        ]);
      }
      // The request itself being far from the last sign-in comes first.
      assert.equal((await signal.evaluate({ userId, ip: US, time: at(11) }))?.evidence.pair, 'last_sign_in_to_request');
      assert.equal(await signal.evaluate({ userId, ip: AU, time: at(11, 16) }), undefined, 'new_for has passed since the jump');
    });

    test('impossible_travel: neighbouring countries minutes apart, the same country, private addresses: nothing', async () => {
      const userId = await newUser();
      const signal = impossibleTravelSignal(db, geoip, 1000, NEW_FOR);
      await record({ userId, ip: NL, time: at(9) });
      assert.equal(await signal.evaluate({ userId, ip: BE, time: at(9) + 600 }), undefined);
      assert.equal(await signal.evaluate({ userId, ip: NL, time: at(9) }), undefined);
      assert.equal(await signal.evaluate({ userId, ip: '127.0.0.1', time: at(9) + 60 }), undefined);
      // A sign-in from a private address has no place: the last located one still counts.
      await record({ userId, ip: '10.0.0.1', time: at(9) + 60 });
      assert.equal((await signal.evaluate({ userId, ip: AU, time: at(9) + 120 }))?.code, 'impossible_travel');
    });

    test('unusual_hour: only with enough history; outside the usual hours', async () => {
      const userId = await newUser();
      const signal = unusualHourSignal(db, 10);
      for (let day = 1; day <= 9; day++) await record({ userId, time: at(day % 2 ? 9 : 14, day) });
      assert.equal(await signal.evaluate({ userId, time: at(3, 20) }), undefined, 'nine sign-ins are too few');
      await record({ userId, time: at(9, 10) });
      assert.deepEqual(await signal.evaluate({ userId, time: at(3, 20) }), {
        code: 'unusual_hour', evidence: { hour: 3, usual_hours: [8, 9, 10, 13, 14, 15] },
      });
      assert.equal(await signal.evaluate({ userId, time: at(10, 20) }), undefined);
      assert.equal(await signal.evaluate({ userId, time: at(15, 20) }), undefined);
    });

    test('failed_attempts: per user (passwords and codes) and per address, within the window', async () => {
      const userId = await newUser();
      const username = (await listUsername(db, userId));
      const settings = { windowSeconds: 900, perUser: 3, perIp: 10 };
      const signal = failedAttemptsSignal(db, settings);
      const now = at(12);
      const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      assert.equal(await signal.evaluate({ userId, ip, time: now }), undefined);
      await registerFailure(db, `login:user:${username}`, now - 60, 900);
      await registerFailure(db, `account:${userId}`, now - 30, 900);
      assert.equal(await signal.evaluate({ userId, ip, time: now }), undefined, 'two are below the threshold');
      await registerFailure(db, `account:${userId}`, now - 20, 900);
      assert.deepEqual(await signal.evaluate({ userId, ip, time: now }), {
        code: 'failed_attempts', evidence: { user_failures: 3, ip_failures: 0, window_seconds: 900 },
      });
      assert.equal(await signal.evaluate({ userId, ip, time: now + 2000 }), undefined, 'the window has passed');

      const other = await newUser();
      for (let i = 0; i < 10; i++) await registerFailure(db, `login:ip:${ip}`, now - 10, 900);
      assert.deepEqual((await signal.evaluate({ userId: other, ip: `::ffff:${ip}`, time: now }))?.evidence, {
        user_failures: 0, ip_failures: 10, window_seconds: 900,
      });
    });

    test('untrusted_ip: a listed address names its list and range', () => {
      const signal = untrustedIpSignal(loadDenyLists([writeList('drop.txt', '203.0.113.0/24\n'), writeList('tor.txt', '185.220.101.0/24\n')]));
      assert.deepEqual(signal.evaluate({ userId: 'u', ip: '::ffff:185.220.101.7', time: 0 }), {
        code: 'untrusted_ip', evidence: { ip: '185.220.101.7', list: 'tor.txt', range: '185.220.101.0/24' },
      });
      assert.equal(signal.evaluate({ userId: 'u', ip: US, time: 0 }), undefined);
      assert.equal(signal.evaluate({ userId: 'u', time: 0 }), undefined);
    });

    test('the engine: two signals sum their weights into the score and level; a sign-in is learned', async () => {
      const userId = await newUser();
      // 9.9.9.0/24 is in the United States, like the history: only the list and the device differ.
      const config = configWith({ denyLists: [writeList('engine.txt', '9.9.9.0/24\n')] });
      const engine = await createRiskEngine(config, db, pino({ level: 'silent' }));
      assert.deepEqual(engine.signals.map((signal) => signal.code), ['new_device', 'untrusted_ip', 'new_country', 'impossible_travel', 'unusual_hour', 'failed_attempts']);

      const first = await engine.assess({ userId, ip: '9.9.9.9', deviceId: 'laptop', time: at(9) });
      assert.deepEqual(first.signals.map((signal) => signal.code), ['untrusted_ip'], 'a first sign-in is no new device');
      assert.equal(first.level, 'high');

      await engine.recordSignIn({ userId, ip: US, deviceId: 'laptop', time: at(9), succeeded: true });
      const risk = await engine.assess({ userId, ip: '9.9.9.9', deviceId: 'phone', time: at(10) });
      assert.deepEqual(risk.signals.map((signal) => [signal.code, signal.weight]), [['new_device', 20], ['untrusted_ip', 60]]);
      assert.equal(risk.score, 80);
      assert.equal(risk.level, 'high');
      assert.deepEqual(risk.failed, []);
      assert.equal(risk.signals[0]?.description, 'a device this user has not signed in on before');

      const lighter = await createRiskEngine(configWith({ weights: { new_device: 20, new_country: 25, impossible_travel: 0 } }), db, pino({ level: 'silent' }));
      const abroad = await lighter.assess({ userId, ip: AU, deviceId: 'phone', time: at(10) });
      assert.deepEqual(abroad.signals.map((signal) => [signal.code, signal.weight]), [['new_device', 20], ['new_country', 25], ['impossible_travel', 0]]);
      assert.deepEqual([abroad.score, abroad.level], [45, 'medium']);

      const home = await engine.assess({ userId, ip: US, deviceId: 'laptop', time: at(10) });
      assert.deepEqual([home.score, home.level, home.signals], [0, 'low', []]);

      const brief = await createRiskEngine(configWith({ newForSeconds: 600 }), db, pino({ level: 'silent' }));
      await brief.recordSignIn({ userId, ip: US, deviceId: 'phone', time: at(11), succeeded: true });
      assert.deepEqual((await brief.assess({ userId, ip: US, deviceId: 'phone', time: at(11) + 599 })).signals.map((signal) => signal.code), ['new_device']);
      assert.deepEqual((await brief.assess({ userId, ip: US, deviceId: 'phone', time: at(11) + 600 })).signals, [], 'risk.new_for is the engine\'s window');
    });
  });
}

async function listUsername(db: Db, userId: string): Promise<string> {
  const row = await db.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirstOrThrow();
  return row.username;
}

signalSuite('signals on SQLite', () => openDatabase('sqlite::memory:'));

describeOnPostgres('on PostgreSQL', ({ open, drop }) => signalSuite('signals', open, drop));
