// The database store behind @fastify/rate-limit, on SQLite and PostgreSQL,
// with a clock the test moves: fixed windows that reopen once ended, the
// time left reported in milliseconds, a count per route, and ended windows
// deleted about once a minute.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { pino } from 'pino';
import { databaseRateLimitStore, RATE_LIMIT_SWEEP_MS } from '../src/http/rate-limit-store.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { countRequest, deleteEndedRateLimits } from '../src/storage/rate-limits.js';
import { describeOnPostgres } from './support/postgres.js';

const WINDOW_MS = 60_000;
const START = Date.UTC(2030, 0, 15, 12);

function incr(store: FastifyRateLimitStore, key: string): Promise<{ current: number; ttl: number }> {
  return new Promise((resolve, reject) => {
    store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), WINDOW_MS, 5);
  });
}

/** A route's store, the way the plugin makes one from the route's merged options. */
function routeStore(root: FastifyRateLimitStore, method: string, url: string): FastifyRateLimitStore {
  return root.child({ routeInfo: { method, url } } as unknown as Parameters<FastifyRateLimitStore['child']>[0]);
}

function storeSuite(name: string, open: () => Promise<Database>, cleanup?: () => Promise<void>): void {
  describe(name, () => {
    let database: Database;
    let now = START;
    let root: FastifyRateLimitStore;
    const rows = () => database.db.selectFrom('rate_limits').select(['key', 'hits']).orderBy('key').execute();

    before(async () => {
      database = await open();
      const Store = databaseRateLimitStore({ db: database.db, logger: pino({ level: 'silent' }), nowMs: () => now });
      root = new Store({});
    });
    after(async () => {
      await database.close();
      await cleanup?.();
    });

    test('counts a window, reports the time left, and reopens it once ended', async () => {
      const store = routeStore(root, 'POST', '/login');
      assert.deepEqual(await incr(store, '203.0.113.7'), { current: 1, ttl: WINDOW_MS });
      now += 10_000;
      assert.deepEqual(await incr(store, '203.0.113.7'), { current: 2, ttl: WINDOW_MS - 10_000 });
      now += WINDOW_MS - 10_000;
      assert.deepEqual(await incr(store, '203.0.113.7'), { current: 1, ttl: WINDOW_MS }, 'the window ended at its last millisecond');
    });

    test('each route and each caller has its own count', async () => {
      const login = routeStore(root, 'POST', '/login');
      const enroll = routeStore(root, 'POST', '/enroll');
      assert.equal((await incr(login, '198.51.100.1')).current, 1);
      assert.equal((await incr(login, '198.51.100.1')).current, 2);
      assert.equal((await incr(enroll, '198.51.100.1')).current, 1);
      assert.equal((await incr(login, '198.51.100.2')).current, 1);
      assert.ok((await rows()).some((row) => row.key === 'POST /enroll 198.51.100.1'));
    });

    test('a request after the sweep interval deletes the ended windows, and only those', async () => {
      const store = routeStore(root, 'POST', '/sweep');
      await incr(store, 'old');
      now += RATE_LIMIT_SWEEP_MS + WINDOW_MS;
      await incr(store, 'new');
      assert.deepEqual((await rows()).map((row) => row.key), ['POST /sweep new']);
    });

    test('the storage functions on their own: one upsert counts, the delete says how many went', async () => {
      await countRequest(database.db, 'k', now, 1_000);
      assert.deepEqual(await countRequest(database.db, 'k', now + 999, 1_000), { hits: 2, resetsAt: now + 1_000 });
      assert.equal(await deleteEndedRateLimits(database.db, now + 1_000), 1);
    });

    test('routes asking for continueExceeding are refused, not silently counted otherwise', () => {
      assert.throws(() => root.child({ continueExceeding: true, routeInfo: {} } as unknown as Parameters<FastifyRateLimitStore['child']>[0]), /continueExceeding/);
    });
  });
}

storeSuite('database rate-limit store: sqlite', () => openDatabase('sqlite::memory:'));
describeOnPostgres('database rate-limit store: postgres', ({ open, drop }) => storeSuite('store', open, drop));
