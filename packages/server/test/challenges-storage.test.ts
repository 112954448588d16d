// Challenges: satisfied once (of two concurrent satisfactions exactly one
// wins), expired by time, and pruned a day after expiry so step-up
// decisions do not pile up rows forever.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDatabase, users, type Database } from '../src/index.js';
import { CHALLENGE_RETENTION_SECONDS, findChallenge, insertChallenge, satisfyChallenge } from '../src/storage/challenges.js';

describe('challenge storage', () => {
  let database: Database;
  let userId = '';
  const now = 1_900_000_000;

  before(async () => {
    database = await openDatabase('sqlite::memory:');
    userId = (await users.createUser(database.db, { username: 'alice', passwordHash: null })).id;
  });
  after(async () => database.close());

  const add = (id: string, createdAt: number) => insertChallenge(database.db, {
    id, decisionId: `dec_${id}`, apiKeyId: 'k1', userId, action: 'transfer.create', requirement: { acr: 'aal2', maxAge: 300 },
    returnTo: null, createdAt, expiresAt: createdAt + 600, priorEvents: [{ method: 'password', at: createdAt - 5 }],
  });

  test('a pending challenge reads back with its requirement and prior events, and expires by time', async () => {
    await add('chl_a', now);
    const read = await findChallenge(database.db, 'chl_a', now + 1);
    assert.equal(read?.state, 'pending');
    assert.deepEqual(read?.requirement, { acr: 'aal2', maxAge: 300 });
    assert.deepEqual(read?.priorEvents, [{ method: 'password', at: now - 5 }]);
    assert.equal((await findChallenge(database.db, 'chl_a', now + 600))?.state, 'expired');
  });

  test('of two concurrent satisfactions exactly one wins; an expired challenge cannot be satisfied', async () => {
    await add('chl_b', now);
    const outcome = { proof: { acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], authTime: now }, receipt: 'r', receiptJti: 'j' };
    const results = await Promise.all([satisfyChallenge(database.db, 'chl_b', outcome, now + 1), satisfyChallenge(database.db, 'chl_b', outcome, now + 1)]);
    assert.deepEqual(results.sort(), [false, true]);
    await add('chl_c', now);
    assert.equal(await satisfyChallenge(database.db, 'chl_c', outcome, now + 600), false);
  });

  test('a new challenge deletes those that expired more than a day before it', async () => {
    await add('chl_old', now - CHALLENGE_RETENTION_SECONDS - 700);
    await add('chl_recent', now - 700);
    await add('chl_new', now);
    assert.equal(await findChallenge(database.db, 'chl_old', now), undefined);
    assert.ok(await findChallenge(database.db, 'chl_recent', now));
  });
});
