// Migration 0004 and bound challenges on every engine we ship (in-memory
// SQLite and PostgreSQL): the authorization_details a challenge is bound to
// read back exactly as given (key order, decimal strings, non-ASCII text),
// unbound challenges read back null, and the migration goes down and up
// again with the data of other columns kept.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuthorizationDetail } from '@stepwise/core';
import { openDatabase, users, type Database } from '../src/index.js';
import { findChallenge, insertChallenge } from '../src/storage/challenges.js';
import { createMigrator, migrateToLatest } from '../src/storage/database.js';
import { describeOnPostgres } from './support/postgres.js';

const now = 1_900_000_000;
const details: AuthorizationDetail[] = [
  { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'Müller & Söhne “ACME” 株式会社 🏦' },
  { type: 'stepwise_action', resource: { project: 'acme', replicas: 3, confirm: true }, action: 'environment.delete' },
];

function boundChallengeSuite(name: string, open: () => Promise<Database>, drop?: () => Promise<void>): void {
  describe(name, () => {
    let database: Database;
    let userId = '';
    before(async () => {
      database = await open();
      userId = (await users.createUser(database.db, { username: 'alice', passwordHash: null })).id;
    });
    after(async () => { await database.close(); await drop?.(); });

    const add = (id: string, authorizationDetails?: AuthorizationDetail[] | null) => insertChallenge(database.db, {
      id, decisionId: `dec_${id}`, apiKeyId: 'k1', userId, action: 'transfer.create', requirement: { acr: 'aal2', maxAge: 300 },
      returnTo: null, createdAt: now, expiresAt: now + 600, priorEvents: [], authorizationDetails,
    });

    test('bound details read back exactly as given; unbound challenges read back null', async () => {
      await add('chl_bound', details);
      await add('chl_unbound');
      await add('chl_null', null);
      const bound = await findChallenge(database.db, 'chl_bound', now);
      assert.deepEqual(bound?.authorizationDetails, details);
      assert.equal(JSON.stringify(bound?.authorizationDetails), JSON.stringify(details), 'key order kept');
      assert.equal((await findChallenge(database.db, 'chl_unbound', now))?.authorizationDetails, null);
      assert.equal((await findChallenge(database.db, 'chl_null', now))?.authorizationDetails, null);
    });

    test('migration 0004 goes down (the column is dropped, other data kept) and up again', async () => {
      const migrator = await createMigrator(database.db);
      // Down to 0003: the later migrations are undone first, 0004 last.
      const down = await migrator.migrateTo('0003_decisions');
      assert.equal(down.error, undefined);
      assert.deepEqual(down.results?.at(-1) && [down.results.at(-1)!.migrationName, down.results.at(-1)!.status], ['0004_transactions', 'Success']);
      const columns = async () => (await database.db.introspection.getTables()).find((table) => table.name === 'challenges')!.columns.map((column) => column.name);
      assert.ok(!(await columns()).includes('authorization_details'));
      const kept = await database.db.selectFrom('challenges').select(['id', 'action']).where('id', '=', 'chl_bound').executeTakeFirst();
      assert.deepEqual(kept, { id: 'chl_bound', action: 'transfer.create' });

      await migrateToLatest(database.db);
      assert.ok((await columns()).includes('authorization_details'));
      assert.equal((await findChallenge(database.db, 'chl_bound', now))?.authorizationDetails, null, 'the details went with the column');
      await add('chl_again', details);
      assert.deepEqual((await findChallenge(database.db, 'chl_again', now))?.authorizationDetails, details);
    });
  });
}

boundChallengeSuite('bound challenge storage: sqlite', () => openDatabase('sqlite::memory:'));
describeOnPostgres('bound challenge storage: postgres', ({ open, drop }) => boundChallengeSuite('repositories', open, drop));
