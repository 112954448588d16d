// Storage repositories against every engine we ship: in-memory SQLite, a
// SQLite file, and PostgreSQL (STEPWISE_TEST_POSTGRES_URL, or a temporary
// server started for the run; each run gets its own schema there). Race tests
// fire concurrent calls at the atomic operations an attacker would race: TOTP
// replay and failure counting.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { StepwiseError } from '@stepwise/core';
import { migrateToLatest, openDatabase, type Database, type Db } from '../src/storage/database.js';
import * as users from '../src/storage/users.js';
import * as factors from '../src/storage/factors.js';
import * as sessions from '../src/storage/sessions.js';
import * as authEvents from '../src/storage/auth-events.js';
import * as attempts from '../src/storage/attempts.js';
import { readPasswordSignIn } from '../src/storage/password-sign-in.js';
import * as keys from '../src/storage/signing-keys.js';
import * as clients from '../src/storage/clients.js';
import { createOidcAdapter, pruneExpiredOidcModels } from '../src/storage/oidc-adapter.js';
import { describeOnPostgres } from './support/postgres.js';

const code = (expected: string) => (err: unknown) => (err as StepwiseError).code === expected;
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const tmp = mkdtempSync(join(tmpdir(), 'stepwise-storage-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function newUser(db: Db): Promise<users.User> {
  return users.createUser(db, { username: unique('user'), passwordHash: 'hash' });
}

function repositorySuite(name: string, open: () => Promise<Database>, cleanup?: () => Promise<void>): void {
  describe(name, () => {
    let database: Database;
    let db: Db;
    before(async () => { database = await open(); db = database.db; });
    after(async () => { await database.close(); await cleanup?.(); });

    test('migrating again is a no-op', async () => { await migrateToLatest(db); });

    test('users: normalized usernames, one account per name', async () => {
      const name = unique('Ａlice');
      const user = await users.createUser(db, { username: `  ${name} `, passwordHash: null, email: 'a@example.com' });
      assert.equal(user.username, name.normalize('NFKC').toLowerCase());
      assert.deepEqual(await users.findUserByUsername(db, name.toUpperCase()), user);
      assert.deepEqual(await users.findUserById(db, user.id), user);
      assert.equal(await users.findUserById(db, 'nobody'), undefined);
      await assert.rejects(users.createUser(db, { username: user.username.toUpperCase(), passwordHash: 'x' }), code('ERR_USER_EXISTS'));
      await assert.rejects(users.createUser(db, { username: ' \u3000', passwordHash: 'x' }), code('ERR_VALIDATION'));
      assert.equal(users.normalizeUsername(' ＢＯＢ '), 'bob');
      // PostgreSQL text cannot hold NUL: such a name is unknown, not a failed query.
      assert.equal(await users.findUserByUsername(db, `${name}\u0000`), undefined);
    });

    test('users: listing, disabling, password change', async () => {
      const [b, a] = [await newUser(db), await newUser(db)];
      const ids = (await users.listUsers(db)).map((u) => u.id).filter((id) => id === a.id || id === b.id);
      assert.deepEqual(ids, [a, b].sort((x, y) => (x.username < y.username ? -1 : 1)).map((u) => u.id));
      await users.setUserDisabled(db, a.id, true);
      assert.equal((await users.findUserById(db, a.id))?.disabled, true);
      await users.setUserDisabled(db, a.id, false);
      assert.equal((await users.findUserById(db, a.id))?.disabled, false);
      await users.updatePasswordHash(db, a.id, 'new-hash');
      assert.equal((await users.findUserById(db, a.id))?.passwordHash, 'new-hash');
      await assert.rejects(users.setUserDisabled(db, 'nobody', true), code('ERR_USER_NOT_FOUND'));
      await assert.rejects(users.updatePasswordHash(db, 'nobody', 'h'), code('ERR_USER_NOT_FOUND'));
    });

    test('factors: enrollment lifecycle', async () => {
      const user = await newUser(db);
      const totp = await factors.createFactor(db, { userId: user.id, method: 'totp', name: 'Phone', secret: 'sealed', id: 'f-' + randomUUID() });
      assert.equal(totp.confirmedAt, null);
      assert.deepEqual(await factors.findFactor(db, totp.id), totp);
      assert.deepEqual(await factors.listFactors(db, user.id, { confirmedOnly: true }), []);
      await factors.confirmFactor(db, totp.id, 100);
      await factors.confirmFactor(db, totp.id, 200);
      assert.equal((await factors.findFactor(db, totp.id))?.confirmedAt, 100);
      await assert.rejects(factors.confirmFactor(db, 'nope', 1), code('ERR_FACTOR_NOT_ENROLLED'));
      const stale = await factors.createFactor(db, { userId: user.id, method: 'totp', name: 'Old', secret: 's' });
      const key = await factors.createFactor(db, { userId: user.id, method: 'webauthn', name: 'Key', secret: null });
      assert.equal((await factors.listFactors(db, user.id)).length, 3);
      await factors.deleteUnconfirmedFactors(db, user.id, 'totp');
      assert.deepEqual((await factors.listFactors(db, user.id)).map((f) => f.id).sort(), [totp.id, key.id].sort());
      assert.equal(await factors.findFactor(db, stale.id), undefined);
      assert.deepEqual((await factors.listFactors(db, user.id, { confirmedOnly: true })).map((f) => f.id), [totp.id]);
      assert.equal(await factors.deleteFactor(db, key.id), true);
      assert.equal(await factors.deleteFactor(db, key.id), false);
      await assert.rejects(factors.createFactor(db, { userId: 'ghost', method: 'totp', name: 'x', secret: null }));
    });

    test('factors: a TOTP step is accepted once, even when replayed concurrently', async () => {
      const user = await newUser(db);
      const f = await factors.createFactor(db, { userId: user.id, method: 'totp', name: 'Phone', secret: 's' });
      const results = await Promise.all(Array.from({ length: 8 }, () => factors.advanceLastUsedStep(db, f.id, 1000, 50)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await factors.advanceLastUsedStep(db, f.id, 999, 51), false);
      assert.equal(await factors.advanceLastUsedStep(db, f.id, 1001, 52), true);
      const stored = await factors.findFactor(db, f.id);
      assert.equal(stored?.lastUsedStep, 1001);
      assert.equal(stored?.lastUsedAt, 52);
      assert.equal(await factors.advanceLastUsedStep(db, 'nope', 5, 5), false);
    });

    test('sessions: only the token hash is stored; revoked sessions are not found', async () => {
      const user = await newUser(db);
      const { token, session } = await sessions.createSession(db, { userId: user.id, ip: '192.0.2.1', userAgent: 'ua', now: 100 });
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(session.id, createHash('sha256').update(token).digest('hex'));
      assert.deepEqual(await sessions.findSessionByToken(db, token), session);
      assert.equal(await sessions.findSessionByToken(db, session.id), undefined);
      await sessions.touchSession(db, session.id, 150);
      await sessions.touchSession(db, session.id, 120);
      assert.equal((await sessions.findSessionByToken(db, token))?.lastSeenAt, 150);
      const second = await sessions.createSession(db, { userId: user.id, now: 200 });
      await sessions.revokeSession(db, session.id, 300);
      await sessions.revokeSession(db, session.id, 400);
      assert.equal(await sessions.findSessionByToken(db, token), undefined);
      const listed = await sessions.listSessions(db, user.id);
      assert.deepEqual(listed.map((s) => [s.id, s.revokedAt]), [[second.session.id, null], [session.id, 300]]);
      assert.equal(listed[0]?.ip, null);
    });

    test('sessions: authentication events keep time then insertion order', async () => {
      const user = await newUser(db);
      const { session } = await sessions.createSession(db, { userId: user.id, now: 1 });
      await authEvents.addAuthEvent(db, session.id, user.id, { method: 'totp', at: 20, authenticatorId: 'f1' });
      await authEvents.addAuthEvent(db, session.id, user.id, { method: 'password', at: 10 });
      await authEvents.addAuthEvent(db, session.id, user.id, { method: 'webauthn', at: 10, userVerified: true, backedUp: false });
      assert.deepEqual(await authEvents.listAuthEvents(db, session.id), [
        { method: 'password', at: 10 },
        { method: 'webauthn', at: 10, userVerified: true, backedUp: false },
        { method: 'totp', at: 20, authenticatorId: 'f1' },
      ]);
      await Promise.all(Array.from({ length: 5 }, (_, i) => authEvents.addAuthEvent(db, session.id, user.id, { method: 'totp', at: 30 + i })));
      assert.equal((await authEvents.listAuthEvents(db, session.id)).length, 8);
      await assert.rejects(authEvents.addAuthEvent(db, 'nope', user.id, { method: 'totp', at: 1 }), code('ERR_NOT_FOUND'));
      assert.deepEqual(await authEvents.listAuthEvents(db, 'nope'), []);
    });

    test('sessions: a session started with its first event, read back with its user, events and confirmed factors in one query', async () => {
      const user = await newUser(db);
      const { token, session } = await db.transaction().execute((trx) =>
        sessions.createSessionWithEvent(trx, { userId: user.id, ip: null, userAgent: 'ua', now: 100 }, { method: 'password', at: 100 }));
      assert.deepEqual(await sessions.findSignedInSession(db, token), { session, user, events: [{ method: 'password', at: 100 }], factors: [] });
      assert.deepEqual(await authEvents.listAuthEvents(db, session.id), [{ method: 'password', at: 100 }]);
      // The counter starts after the first event: the next one gets the next number.
      await authEvents.addAuthEvent(db, session.id, user.id, { method: 'totp', at: 100, authenticatorId: 'f1' });
      assert.deepEqual(await authEvents.listAuthEvents(db, session.id), [{ method: 'password', at: 100 }, { method: 'totp', at: 100, authenticatorId: 'f1' }]);
      // Inside a caller's transaction too, and rolled back with it.
      await assert.rejects(db.transaction().execute(async (trx) => {
        await authEvents.addAuthEvent(trx, session.id, user.id, { method: 'totp', at: 101 });
        throw new Error('roll back');
      }), /roll back/);
      assert.equal((await authEvents.listAuthEvents(db, session.id)).length, 2);
      await sessions.revokeSession(db, session.id, 200);
      assert.equal(await sessions.findSignedInSession(db, token), undefined);
      assert.equal(await sessions.findSignedInSession(db, session.id), undefined);
    });

    test('sessions: the signed-in read gives the same events and factors as reading them one by one', async () => {
      const user = await newUser(db);
      const other = await newUser(db);
      const { token, session } = await db.transaction().execute((trx) =>
        sessions.createSessionWithEvent(trx, { userId: user.id, ip: '192.0.2.1', userAgent: 'ua', now: 300 }, { method: 'password', at: 300 }));
      // Events out of time order, several in one second, with WebAuthn flags and without.
      await authEvents.addAuthEvent(db, session.id, user.id, { method: 'webauthn', at: 320, authenticatorId: 'k1', userVerified: true, backedUp: false });
      await authEvents.addAuthEvent(db, session.id, user.id, { method: 'totp', at: 310, authenticatorId: 'f1' });
      await authEvents.addAuthEvent(db, session.id, user.id, { method: 'email_otp', at: 310 });
      // Confirmed factors in both orders of creation, one unconfirmed, one of another user, a secret and a destination.
      await factors.createFactor(db, { userId: user.id, method: 'totp', name: 'Phone', secret: 'sealed', id: 'b-' + randomUUID(), createdAt: 50, confirmedAt: 60 });
      await factors.createFactor(db, { userId: user.id, method: 'email_otp', name: 'Mail', secret: null, destination: 'a@example.com', id: 'a-' + randomUUID(), createdAt: 50, confirmedAt: 61 });
      await factors.createFactor(db, { userId: user.id, method: 'webauthn', name: 'Key', secret: null, createdAt: 40, confirmedAt: 41 });
      await factors.createFactor(db, { userId: user.id, method: 'totp', name: 'Pending', secret: 's', createdAt: 70 });
      await factors.createFactor(db, { userId: other.id, method: 'totp', name: 'Theirs', secret: 's', confirmedAt: 1 });
      const confirmed = await factors.listFactors(db, user.id, { confirmedOnly: true });
      await factors.advanceLastUsedStep(db, confirmed[0]!.id, 1234, 400);
      const found = await sessions.findSignedInSession(db, token);
      assert.deepEqual(found?.events, await authEvents.listAuthEvents(db, session.id));
      assert.deepEqual(found?.factors, await factors.listFactors(db, user.id, { confirmedOnly: true }));
      assert.equal(found?.events.length, 4);
      assert.equal(found?.factors.length, 3);
      assert.deepEqual(found?.factors.map((factor) => factor.name), ['Key', 'Mail', 'Phone']);
      assert.equal(found?.factors[0]?.lastUsedStep, 1234);
      assert.deepEqual(found?.session, session);
    });

    test('password sign-in: the account and both counters in one read, also for a username with no account', async () => {
      const user = await newUser(db);
      const [userKey, ipKey] = [unique('login:user'), unique('login:ip')];
      const none = await readPasswordSignIn(db, user.username.toUpperCase(), [userKey, ipKey]);
      assert.deepEqual(none, { user, windows: new Map() }, 'the username as typed, any case; no counters yet');
      await attempts.registerFailure(db, userKey, 1000, 60);
      await attempts.registerFailure(db, userKey, 1001, 60);
      await attempts.registerFailure(db, ipKey, 1002, 60);
      const both = await readPasswordSignIn(db, user.username, [userKey, ipKey]);
      assert.deepEqual(both.user, user);
      assert.deepEqual(both.windows, await attempts.readFailureWindows(db, [userKey, ipKey]));
      assert.equal(both.windows.get(userKey)?.failures, 2);
      const ghost = await readPasswordSignIn(db, unique('ghost'), [userKey, unique('login:ip')]);
      assert.equal(ghost.user, undefined);
      assert.deepEqual([...ghost.windows.keys()], [userKey], 'counters of a username with no account are read all the same');
    });

    test('attempts: several counters read at once', async () => {
      const [a, b, none] = [unique('user'), unique('ip'), unique('none')];
      await attempts.registerFailure(db, a, 1000, 60);
      await attempts.registerFailure(db, a, 1001, 60);
      await attempts.registerFailure(db, b, 900, 60);
      const windows = await attempts.readFailureWindows(db, [a, b]);
      assert.deepEqual(windows.get(a), { failures: 2, windowStart: 1000 });
      assert.equal(attempts.openFailures(windows.get(a), 1030, 60), 2);
      assert.equal(attempts.secondsUntilWindowEnds(windows.get(a), 1030, 60), 30);
      // b's window closed at 960.
      assert.equal(attempts.openFailures(windows.get(b), 1030, 60), 0);
      assert.equal(attempts.secondsUntilWindowEnds(windows.get(b), 1030, 60), 0);
      assert.equal(attempts.openFailures((await attempts.readFailureWindows(db, [none, a, b])).get(none), 1030, 60), 0);
      assert.equal((await attempts.readFailureWindows(db, [none])).size, 0);
    });

    test('attempts: failures count within a fixed window, then restart', async () => {
      const key = unique('user');
      assert.equal(await attempts.countFailures(db, key, 1000, 60), 0);
      assert.equal(await attempts.windowRemaining(db, key, 1000, 60), 0);
      assert.equal(await attempts.registerFailure(db, key, 1000, 60), 1);
      assert.equal(await attempts.registerFailure(db, key, 1030, 60), 2);
      assert.equal(await attempts.countFailures(db, key, 1059, 60), 2);
      assert.equal(await attempts.windowRemaining(db, key, 1045, 60), 15);
      assert.equal(await attempts.countFailures(db, key, 1060, 60), 0);
      assert.equal(await attempts.windowRemaining(db, key, 1060, 60), 0);
      assert.equal(await attempts.registerFailure(db, key, 1060, 60), 1);
      assert.equal(await attempts.windowRemaining(db, key, 1070, 60), 50);
      await attempts.clearFailures(db, key);
      assert.equal(await attempts.countFailures(db, key, 1070, 60), 0);
    });

    test('attempts: concurrent guesses are all counted', async () => {
      const key = unique('ip');
      const counts = await Promise.all(Array.from({ length: 10 }, () => attempts.registerFailure(db, key, 5000, 300)));
      assert.deepEqual([...counts].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.equal(await attempts.countFailures(db, key, 5001, 300), 10);
    });

    test('signing keys: newest first, retire once, delete', async () => {
      const base = 2_000_000_000 + Math.floor(Math.random() * 1_000_000);
      const prefix = unique('kid');
      const mine = (list: keys.SigningKeyRecord[]) => list.filter((k) => k.kid.startsWith(prefix));
      const key = (kid: string, createdAt: number): keys.SigningKeyRecord =>
        ({ kid: `${prefix}-${kid}`, alg: 'ES256', privateJwk: 'sealed', publicJwk: { kty: 'EC', crv: 'P-256', x: kid }, createdAt, retiredAt: null });
      await keys.insertSigningKey(db, key('old', base));
      await keys.insertSigningKey(db, key('b', base + 10));
      await keys.insertSigningKey(db, key('a', base + 10));
      assert.deepEqual(mine(await keys.listSigningKeys(db)).map((k) => k.kid), ['a', 'b', 'old'].map((k) => `${prefix}-${k}`));
      await keys.retireSigningKey(db, `${prefix}-old`, base + 20);
      await keys.retireSigningKey(db, `${prefix}-old`, base + 30);
      const old = mine(await keys.listSigningKeys(db)).find((k) => k.kid.endsWith('-old'));
      assert.deepEqual(old, { ...key('old', base), retiredAt: base + 20, activatesAt: base, lastSignedAt: null });
      await keys.recordKeySigning(db, `${prefix}-old`, base + 40);
      await keys.recordKeySigning(db, `${prefix}-old`, base + 35);
      assert.equal(mine(await keys.listSigningKeys(db)).find((k) => k.kid.endsWith('-old'))?.lastSignedAt, base + 40, 'a report never moves the time back');
      await keys.deleteSigningKey(db, `${prefix}-old`);
      assert.equal(mine(await keys.listSigningKeys(db)).length, 2);
    });

    test('clients: insert refuses duplicates, upsert keeps createdAt', async () => {
      const id = unique('client');
      const record = await clients.insertClient(db, { client_id: id, redirect_uris: ['https://a.example/cb'] }, 100);
      assert.deepEqual(await clients.findClient(db, id), record);
      await assert.rejects(clients.insertClient(db, { client_id: id }, 200), code('ERR_CLIENT_EXISTS'));
      const updated = await clients.upsertClient(db, { client_id: id, redirect_uris: ['https://b.example/cb'] }, 300);
      assert.deepEqual(updated, { clientId: id, metadata: { client_id: id, redirect_uris: ['https://b.example/cb'] }, createdAt: 100 });
      const fresh = await clients.upsertClient(db, { client_id: `${id}-2` }, 400);
      assert.equal(fresh.createdAt, 400);
      const listed = (await clients.listClients(db)).filter((c) => c.clientId.startsWith(id));
      assert.deepEqual(listed, [updated, fresh]);
      assert.equal(await clients.findClient(db, 'nope'), undefined);
    });

    test('oidc adapter: find, indexes, consume, expiry, revocation', async () => {
      const Adapter = createOidcAdapter(db);
      const [codes, tokens, sessionsModel] = [new Adapter('AuthorizationCode'), new Adapter('AccessToken'), new Adapter('Session')];
      const [id, grantId] = [unique('code'), unique('grant')];
      await codes.upsert(id, { jti: id, grantId, kind: 'AuthorizationCode' }, 60);
      assert.deepEqual(await codes.find(id), { jti: id, grantId, kind: 'AuthorizationCode' });
      assert.equal(await tokens.find(id), undefined);
      await codes.consume(id);
      const consumed = await codes.find(id);
      assert.ok(typeof consumed?.consumed === 'number' && Math.abs(consumed.consumed - nowSeconds()) <= 2);
      await codes.upsert(id, { jti: id, grantId }, 60);
      assert.equal((await codes.find(id))?.consumed, undefined);

      const uid = unique('uid');
      await sessionsModel.upsert('s1' + uid, { uid, accountId: 'u1' });
      assert.equal((await sessionsModel.findByUid(uid))?.accountId, 'u1');
      assert.equal(await sessionsModel.findByUid('nope'), undefined);
      const device = new Adapter('DeviceCode');
      await device.upsert(unique('dc'), { userCode: 'ABCD-' + uid, grantId }, 600);
      assert.equal((await device.findByUserCode('ABCD-' + uid))?.grantId, grantId);

      await tokens.upsert(unique('at'), { grantId }, 60);
      await tokens.upsert('other' + uid, { grantId: 'another' }, 60);
      await tokens.revokeByGrantId(grantId);
      assert.equal(await tokens.find('other' + uid) !== undefined, true);
      assert.ok(await codes.find(id), 'revocation stays within the model it was asked for');
      await codes.destroy(id);
      assert.equal(await codes.find(id), undefined);

      const expired = unique('expired');
      await tokens.upsert(expired, { grantId }, -1);
      assert.equal(await tokens.find(expired), undefined);
      assert.ok((await pruneExpiredOidcModels(db, nowSeconds())) >= 1);
    });

    test('oidc adapter: the Client model reads and writes the clients table', async () => {
      const Adapter = createOidcAdapter(db);
      const model = new Adapter('Client');
      const id = unique('client');
      await clients.insertClient(db, { client_id: id, token_endpoint_auth_method: 'none' }, 1);
      assert.deepEqual(await model.find(id), { client_id: id, token_endpoint_auth_method: 'none' });
      const dynamic = unique('dyn');
      await model.upsert(dynamic, { client_id: dynamic, redirect_uris: [] });
      assert.deepEqual((await clients.findClient(db, dynamic))?.metadata, { client_id: dynamic, redirect_uris: [] });
      await model.destroy(dynamic);
      assert.equal(await model.find(dynamic), undefined);
    });
  });
}

repositorySuite('sqlite in memory', () => openDatabase('sqlite::memory:'));
repositorySuite('sqlite file', () => openDatabase(`sqlite:${join(tmp, 'suite', 'stepwise.db')}`));

// PostgreSQL is never skipped: STEPWISE_TEST_POSTGRES_URL names a server to use,
// otherwise a temporary one is started from Debian's packaged binaries, and the
// suite fails (saying what to install) when there are none.
describeOnPostgres('postgres', ({ open, drop }) => repositorySuite('repositories', open, drop));

describe('opening databases', () => {
  test('an unknown scheme is a configuration error', async () => {
    await assert.rejects(openDatabase('mysql://localhost/x'), code('ERR_CONFIG_INVALID'));
    await assert.rejects(openDatabase('sqlite:'), code('ERR_CONFIG_INVALID'));
  });

  test('a file database creates its folder, uses WAL, enforces foreign keys and keeps data', async () => {
    const path = join(tmp, 'nested', 'dir', 'reopen.db');
    const first = await openDatabase(`sqlite:${path}`);
    assert.equal(first.dialect, 'sqlite');
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(first.db);
    assert.equal(mode.rows[0]?.journal_mode, 'wal');
    const user = await users.createUser(first.db, { username: 'Carol', passwordHash: 'h' });
    const { token } = await sessions.createSession(first.db, { userId: user.id, now: 5 });
    await attempts.registerFailure(first.db, 'user:carol', 10, 60);
    await assert.rejects(factors.createFactor(first.db, { userId: 'ghost', method: 'totp', name: 'x', secret: null }));
    await first.close();
    await first.close();
    assert.equal(existsSync(`${path}-wal`), false, 'closing checkpoints and removes the WAL');

    const second = await openDatabase(`sqlite://${path}`);
    assert.deepEqual(await users.findUserByUsername(second.db, 'carol'), user);
    assert.equal((await sessions.findSessionByToken(second.db, token))?.userId, user.id);
    assert.equal(await attempts.countFailures(second.db, 'user:carol', 20, 60), 1);
    await second.close();
  });
});
