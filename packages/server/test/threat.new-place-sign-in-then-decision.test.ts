// Threat: an attacker with alice's password signs in from Australia, on his
// own browser, an hour after she signed in from home in the United States,
// then asks for a decision (a transfer) straight away. His sign-in is
// recorded when it completes, before that decision is assessed, so the
// history already holds his country, his device and his place as "the last
// sign-in". The risk engine must still report impossible travel, a new
// country and a new device for that decision, including one made in the
// very second his sign-in was recorded; and once a day has passed (and he
// has signed in from there again) the place and the device are simply
// known. Engine level, on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load.js';
import { createRiskEngine } from '../src/risk/create-risk-engine.js';
import type { RiskEngine, RiskContext } from '../src/risk/risk-engine.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { createUser } from '../src/storage/users.js';
import { describeOnPostgres } from './support/postgres.js';

const HOME = '8.8.8.8'; // the United States, in the shipped database
const FAR = '139.130.4.5'; // Australia (Telstra)
/** 2030-01-`day` at `hour`:00 UTC, in seconds. */
const at = (hour: number, day = 15) => Date.UTC(2030, 0, day, hour) / 1000;
const HISTORY_CODES = ['new_device', 'new_country', 'impossible_travel'];

function threatSuite(name: string, open: () => Promise<Database>, cleanup?: () => Promise<void>): void {
  describe(name, () => {
    let database: Database;
    let engine: RiskEngine;
    let userId: string;
    const signIn = (context: Omit<RiskContext, 'userId'>) => engine.recordSignIn({ userId, ...context, succeeded: true });
    const codesOf = async (context: Omit<RiskContext, 'userId'>) =>
      (await engine.assess({ userId, ...context })).signals.map((signal) => signal.code).filter((code) => HISTORY_CODES.includes(code));

    before(async () => {
      database = await open();
      const config = loadConfig({ file: null, env: {}, overrides: { issuer: 'http://127.0.0.1:9', data_dir: mkdtempSync(join(tmpdir(), 'stepwise-threat-')), log_level: 'silent' } });
      engine = await createRiskEngine(config, database.db, pino({ level: 'silent' }));
      userId = (await createUser(database.db, { username: `alice-${randomUUID().slice(0, 8)}`, passwordHash: 'h' })).id;
      for (const day of [10, 11, 12]) await signIn({ ip: HOME, deviceId: 'laptop', time: at(9, day) });
      await signIn({ ip: HOME, deviceId: 'laptop', time: at(9) });
      await signIn({ ip: FAR, deviceId: 'attacker', time: at(10) });
    });
    after(async () => { await database.close(); await cleanup?.(); });

    test('the decision right after his sign-in: impossible travel, new country, new device, high', async () => {
      const risk = await engine.assess({ userId, ip: FAR, deviceId: 'attacker', time: at(10) + 5 });
      assert.deepEqual(risk.signals.map((signal) => signal.code), HISTORY_CODES);
      assert.equal(risk.level, 'high');
      const evidence = Object.fromEntries(risk.signals.map((signal) => [signal.code, signal.evidence]));
      assert.deepEqual(evidence.new_device, { device_id_known: true, first_seen: '2030-01-15T10:00:00.000Z', new_for_seconds: 86_400 });
      assert.deepEqual(evidence.new_country, { ip: FAR, country: 'AU', first_seen: '2030-01-15T10:00:00.000Z', new_for_seconds: 86_400, known_countries: ['US'] });
      const travel = evidence.impossible_travel as { pair: string; from: unknown; to: unknown; speed_kmh: number };
      assert.equal(travel.pair, 'previous_sign_in_to_last_sign_in');
      assert.deepEqual([travel.from, travel.to], [{ country: 'US', at: '2030-01-15T09:00:00.000Z' }, { country: 'AU', at: '2030-01-15T10:00:00.000Z' }]);
      assert.ok(travel.speed_kmh > 10_000, String(travel.speed_kmh));
    });

    test('a decision in the same second his sign-in was recorded still sees it all', async () => {
      assert.deepEqual(await codesOf({ ip: FAR, deviceId: 'attacker', time: at(10) }), HISTORY_CODES);
    });

    test('a decision the app sends without his address still sees the jump and the device', async () => {
      assert.deepEqual(await codesOf({ deviceId: 'attacker', time: at(10) + 60 }), ['new_device', 'impossible_travel']);
    });

    test('23 hours on, still new and still an impossible jump', async () => {
      assert.deepEqual(await codesOf({ ip: FAR, deviceId: 'attacker', time: at(9, 16) }), HISTORY_CODES);
    });

    test('25 hours on, after another sign-in from there, the place and the device are known', async () => {
      await signIn({ ip: FAR, deviceId: 'attacker', time: at(11, 16) });
      const risk = await engine.assess({ userId, ip: FAR, deviceId: 'attacker', time: at(11, 16) });
      assert.deepEqual([risk.level, risk.signals], ['low', []]);
    });
  });
}

threatSuite('a sign-in from a new place, then a decision (SQLite)', () => openDatabase('sqlite::memory:'));

describeOnPostgres('on PostgreSQL', ({ open, drop }) => threatSuite('a sign-in from a new place, then a decision', open, drop));
