import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createPkcePair, randomToken } from '../src/index.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

describe('createPkcePair', () => {
  test('the S256 challenge is base64url(sha256(verifier))', async () => {
    for (let round = 0; round < 20; round += 1) {
      const pair = await createPkcePair();
      assert.equal(pair.method, 'S256');
      assert.equal(pair.challenge, createHash('sha256').update(pair.verifier, 'ascii').digest('base64url'));
    }
  });

  test('the verifier is 43 to 128 unreserved characters (RFC 7636 §4.1)', async () => {
    const pair = await createPkcePair();
    assert.ok(pair.verifier.length >= 43 && pair.verifier.length <= 128, String(pair.verifier.length));
    assert.match(pair.verifier, /^[A-Za-z0-9\-._~]+$/);
    assert.equal(pair.challenge.length, 43);
    assert.match(pair.challenge, BASE64URL);
  });

  test('every pair is new', async () => {
    const verifiers = new Set<string>();
    for (let round = 0; round < 50; round += 1) verifiers.add((await createPkcePair()).verifier);
    assert.equal(verifiers.size, 50);
  });
});

describe('randomToken', () => {
  test('encodes the requested bytes as unpadded base64url', () => {
    assert.equal(randomToken().length, 43);
    assert.equal(randomToken(16).length, 22);
    assert.equal(randomToken(1).length, 2);
    assert.equal(Buffer.from(randomToken(48), 'base64url').length, 48);
    assert.match(randomToken(1024), BASE64URL);
  });

  test('refuses sizes that are not 1 to 1024 whole bytes', () => {
    for (const bytes of [0, -1, 1.5, 1025, Number.NaN]) assert.throws(() => randomToken(bytes), RangeError);
  });
});
