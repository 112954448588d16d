// `stepwise admins`: an operator grants the console role to an existing
// user, lists admins with who granted the role and when, and revokes it.
// Unknown users are refused with their code; granting or revoking twice
// says so and changes nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { admins, openDatabase, users } from '@stepwise/server';
import { main } from '../src/index.js';
import { capture, isolate } from './support/cli-kit.js';

describe('stepwise admins', () => {
  let env: ReturnType<typeof isolate>;
  before(() => {
    env = isolate();
  });
  after(() => env.restore());

  async function isAdmin(username: string): Promise<boolean> {
    const database = await openDatabase(`sqlite:${join(env.dir, 'stepwise.db')}`);
    try {
      const user = await users.findUserByUsername(database.db, username);
      return user !== undefined && (await admins.isAdmin(database.db, user.id));
    } finally {
      await database.close();
    }
  }

  test('grant, list, revoke', async () => {
    assert.equal(await main(['users', 'add', 'Alice', '--password', 'a long passphrase'], capture()), 0);
    const empty = capture();
    assert.equal(await main(['admins', 'list'], empty), 0);
    assert.equal(empty.text(), 'no admins');

    const granted = capture();
    assert.equal(await main(['admins', 'grant', 'ALICE'], granted), 0);
    assert.equal(granted.text(), 'granted the admin role to alice');
    assert.equal(await isAdmin('alice'), true);
    const again = capture();
    assert.equal(await main(['admins', 'grant', 'alice'], again), 0);
    assert.equal(again.text(), 'alice is already an admin');

    const listed = capture();
    assert.equal(await main(['admins', 'list'], listed), 0);
    assert.match(listed.text(), /^alice\t[0-9a-f-]{36}\t\d{4}-\d\d-\d\dT[\d:.]+Z\tcli$/);

    const revoked = capture();
    assert.equal(await main(['admins', 'revoke', 'alice'], revoked), 0);
    assert.equal(revoked.text(), 'revoked the admin role of alice');
    assert.equal(await isAdmin('alice'), false);
    const twice = capture();
    assert.equal(await main(['admins', 'revoke', 'alice'], twice), 0);
    assert.equal(twice.text(), 'alice is not an admin');
  });

  test('unknown users and bad usage are refused', async () => {
    const unknown = capture();
    assert.equal(await main(['admins', 'grant', 'nobody'], unknown), 1);
    assert.match(unknown.errors.join('\n'), /ERR_USER_NOT_FOUND/);
    const missing = capture();
    assert.equal(await main(['admins', 'grant'], missing), 2);
    assert.match(missing.errors.join('\n'), /admins grant needs a username/);
    const wrong = capture();
    assert.equal(await main(['admins', 'promote', 'alice'], wrong), 2);
  });
});
