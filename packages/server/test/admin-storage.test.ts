// The storage the admin console adds, on SQLite and PostgreSQL: the admin
// role, the user search (any case; `%`, `_` and `\` match themselves, so a
// search cannot be turned into a wildcard scan), the live-session list, and
// the bulk session and factor removals of lock and reset.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Database, type Db } from '../src/storage/database.js';
import * as admins from '../src/storage/admins.js';
import * as factors from '../src/storage/factors.js';
import * as sessions from '../src/storage/sessions.js';
import * as users from '../src/storage/users.js';
import { describeOnPostgres } from './support/postgres.js';

function adminStorageSuite(name: string, open: () => Promise<Database>, cleanup?: () => Promise<void>): void {
  describe(name, () => {
    let database: Database;
    let db: Db;
    const tag = randomUUID().slice(0, 6);
    before(async () => { database = await open(); db = database.db; });
    after(async () => { await database.close(); await cleanup?.(); });

    test('grant, list and revoke the admin role', async () => {
      const user = await users.createUser(db, { username: `boss-${tag}`, passwordHash: 'h' });
      assert.equal(await admins.isAdmin(db, user.id), false);
      assert.equal(await admins.grantAdmin(db, { userId: user.id, grantedBy: 'cli', now: 100 }), true);
      assert.equal(await admins.grantAdmin(db, { userId: user.id, grantedBy: 'demo', now: 200 }), false, 'the first grant stays');
      assert.equal(await admins.isAdmin(db, user.id), true);
      const listed = (await admins.listAdmins(db)).find((grant) => grant.userId === user.id);
      assert.deepEqual(listed, { userId: user.id, username: user.username, grantedAt: 100, grantedBy: 'cli' });
      assert.equal(await admins.revokeAdmin(db, user.id), true);
      assert.equal(await admins.revokeAdmin(db, user.id), false);
      assert.equal(await admins.isAdmin(db, user.id), false);
    });

    test('search by username, email or display name, any case, paged; wildcards match themselves', async () => {
      const tag = randomUUID().slice(0, 6);
      const alice = await users.createUser(db, { username: `alice-${tag}`, passwordHash: 'h', email: `Alice.${tag}@Example.com` });
      const bob = await users.createUser(db, { username: `bob-${tag}`, passwordHash: 'h', displayName: `Bob ${tag} Builder` });
      const odd = await users.createUser(db, { username: `odd_%\\-${tag}`, passwordHash: 'h' });
      const ids = async (query: string, limit = 10, offset = 0) => (await users.searchUsers(db, { query, limit, offset })).map((user) => user.id);
      assert.deepEqual(await ids(`ALICE.${tag}@example`), [alice.id]);
      assert.deepEqual(await ids(`builder`), [bob.id]);
      assert.deepEqual(await ids(`_%\\-${tag}`), [odd.id]);
      assert.deepEqual(await ids('%'), [odd.id]);
      assert.deepEqual(await ids(`${tag}`), [alice.id, bob.id, odd.id]);
      assert.deepEqual(await ids(`${tag}`, 2, 1), [bob.id, odd.id]);
      assert.ok((await ids('')).length >= 3);
      const labels = await users.usernamesByIds(db, [alice.id, bob.id, 'nobody']);
      assert.deepEqual([...labels.values()].sort(), [alice.username, bob.username]);
    });

    test('live sessions newest first; a user\'s sessions and factors go in one call', async () => {
      const user = await users.createUser(db, { username: `carol-${tag}`, passwordHash: 'h' });
      const old = await sessions.createSession(db, { userId: user.id, now: 1_000 });
      const newer = await sessions.createSession(db, { userId: user.id, now: 2_000 });
      const ended = await sessions.createSession(db, { userId: user.id, now: 3_000 });
      await sessions.revokeSession(db, ended.session.id, 3_001);
      const live = (await sessions.listLiveSessions(db, { createdAfter: 500, limit: 100, offset: 0 })).filter((session) => session.userId === user.id);
      assert.deepEqual(live.map((session) => session.id), [newer.session.id, old.session.id]);
      assert.equal(live[0]?.username, user.username);
      const recent = (await sessions.listLiveSessions(db, { createdAfter: 1_500, limit: 100, offset: 0 })).filter((session) => session.userId === user.id);
      assert.deepEqual(recent.map((session) => session.id), [newer.session.id]);
      assert.equal((await sessions.findSessionById(db, ended.session.id))?.revokedAt, 3_001);

      assert.equal(await sessions.revokeUserSessions(db, user.id, 4_000), 2);
      assert.equal(await sessions.revokeUserSessions(db, user.id, 5_000), 0);
      assert.equal((await sessions.findSessionById(db, ended.session.id))?.revokedAt, 3_001, 'an ended session keeps its time');

      await factors.createFactor(db, { userId: user.id, method: 'totp', name: 'App', secret: 's', confirmedAt: 1 });
      await factors.createFactor(db, { userId: user.id, method: 'recovery_code', name: 'Codes', secret: null, confirmedAt: 1 });
      assert.equal(await factors.deleteUserFactors(db, user.id), 2);
      assert.deepEqual(await factors.listFactors(db, user.id), []);
    });
  });
}

adminStorageSuite('sqlite in memory', () => openDatabase('sqlite::memory:'));
describeOnPostgres('postgres', ({ open, drop }) => adminStorageSuite('admin storage', open, drop));
