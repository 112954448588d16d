// Passwords are stored with argon2id at the OWASP cost. An attacker who
// steals the table must pay that cost per guess; one probing sign-in tries
// to crash verification with a corrupt hash or learn which usernames exist.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hash } from '@node-rs/argon2';
import { ValidationError } from '@stepwise/core';
import {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  needsRehash,
  PASSWORD_HASH_PARAMS,
  verifyAgainstDummy,
  verifyPassword,
} from '../src/crypto/passwords.js';

void describe('passwords', () => {
  void test('hashes with argon2id, m=19456, t=2, p=1 and a random salt', async () => {
    const first = await hashPassword('correct horse battery staple');
    const second = await hashPassword('correct horse battery staple');
    assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(first, second);
    assert.deepEqual(PASSWORD_HASH_PARAMS, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
    assert.equal(needsRehash(first), false);
  });

  void test('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.equal(await verifyPassword(stored, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(stored, 'correct horse battery stapl'), false);
    assert.equal(await verifyPassword(stored, ''), false);
  });

  void test('the same password typed composed or decomposed matches', async () => {
    const stored = await hashPassword('caf\u00e9');
    assert.equal(await verifyPassword(stored, 'cafe\u0301'), true);
  });

  void test('a malformed hash is a mismatch, not a crash', async () => {
    for (const bad of ['', 'garbage', '$argon2id$v=19$m=19456,t=2,p=1$', '$2b$10$abcdefghijklmnopqrstuv']) {
      assert.equal(await verifyPassword(bad, 'anything'), false);
    }
  });

  void test('needsRehash flags other algorithms and costs', async () => {
    const weaker = await hash('pw', { algorithm: 2, memoryCost: 4096, timeCost: 2, parallelism: 1 });
    const moreTime = await hash('pw', { algorithm: 2, memoryCost: 19456, timeCost: 3, parallelism: 1 });
    const argon2i = await hash('pw', { algorithm: 1, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    assert.equal(needsRehash(weaker), true);
    assert.equal(needsRehash(moreTime), true);
    assert.equal(needsRehash(argon2i), true);
    assert.equal(needsRehash('not a hash'), true);
    // Old hashes keep verifying until they are replaced.
    assert.equal(await verifyPassword(weaker, 'pw'), true);
  });

  void test('over-long passwords are refused before any hashing', async () => {
    const long = 'x'.repeat(MAX_PASSWORD_LENGTH + 1);
    await assert.rejects(hashPassword(long), ValidationError);
    const stored = await hashPassword('x'.repeat(MAX_PASSWORD_LENGTH));
    assert.equal(await verifyPassword(stored, 'x'.repeat(MAX_PASSWORD_LENGTH)), true);
    assert.equal(await verifyPassword(stored, long), false);
  });

  void test('an unknown username costs about as much as a wrong password', async () => {
    const stored = await hashPassword('the real one');
    await verifyAgainstDummy('warm up');
    const time = async (fn: () => Promise<boolean>): Promise<number> => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) assert.equal(await fn(), false);
      return Number(process.hrtime.bigint() - start);
    };
    const wrongPassword = await time(() => verifyPassword(stored, 'guess'));
    const unknownUser = await time(() => verifyAgainstDummy('guess'));
    // Loose bounds: a shortcut that skips argon2 would be ~1000x faster.
    assert.ok(unknownUser > wrongPassword / 4, `dummy ${unknownUser} ns vs real ${wrongPassword} ns`);
  });
});
