// WebAuthn ceremonies in storage: each challenge answers once, for its own
// purpose, until it expires; and since every sign-in page makes one, old
// ones do not pile up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { consumeCeremony, createCeremony } from '../src/storage/ceremonies.js';
import { startTestServer, type TestServer } from './support/harness.js';

describe('ceremonies', () => {
  let server: TestServer;
  const db = () => server.server.database.db;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.destroy());

  test('one use, for its purpose, before it expires', async () => {
    const now = 1_900_000_000;
    const id = await createCeremony(db(), { userId: null, purpose: 'sign-in', challenge: 'c1', expiresAt: now + 300 });
    assert.equal(await consumeCeremony(db(), { id, purpose: 'step-up', now }), undefined, 'another purpose');
    assert.equal(await consumeCeremony(db(), { id, purpose: 'sign-in', now: now + 300 }), undefined, 'expired');
    assert.equal((await consumeCeremony(db(), { id, purpose: 'sign-in', now }))?.challenge, 'c1');
    assert.equal(await consumeCeremony(db(), { id, purpose: 'sign-in', now }), undefined, 'used');
  });

  test('making a ceremony deletes those that expired more than an hour before it will', async () => {
    const now = 1_900_100_000;
    const old = await createCeremony(db(), { userId: null, purpose: 'sign-in', challenge: 'old', expiresAt: now });
    const recent = await createCeremony(db(), { userId: null, purpose: 'sign-in', challenge: 'recent', expiresAt: now + 1000 });
    await createCeremony(db(), { userId: null, purpose: 'sign-in', challenge: 'new', expiresAt: now + 3601 });
    const ids = (await db().selectFrom('ceremonies').select('id').execute()).map((row) => row.id);
    assert.ok(!ids.includes(old), 'the old one is gone');
    assert.ok(ids.includes(recent), 'one expired less than an hour before stays');
  });
});
