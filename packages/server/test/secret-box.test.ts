// Factor secrets are encrypted at rest. An attacker with write access to the
// database tries to move a ciphertext to another row, flip bits in it, strip
// or shorten its tag, or point it at a key id that does not exist; every
// attempt must end in ERR_DECRYPTION_FAILED, never in a wrong plaintext.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, StepwiseError } from '@stepwise/core';
import {
  formatSecretKeys,
  generateSecretKey,
  parseSecretKeys,
  SecretBox,
} from '../src/crypto/secret-box.js';

const context = 'totp:factor-1';

function assertDecryptionFails(fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => error instanceof StepwiseError && error.code === 'ERR_DECRYPTION_FAILED');
}

function assertConfigError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof ConfigError && error.key === 'secret_keys' && pattern.test(error.message));
}

void describe('SecretBox', () => {
  void test('round trip, with a fresh IV each time', () => {
    const box = new SecretBox([generateSecretKey('k1')]);
    const first = box.seal('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', context);
    const second = box.seal('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', context);
    assert.match(first, /^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.notEqual(first, second);
    assert.equal(box.open(first, context), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.equal(box.open(box.seal('', context), context), '');
    assert.equal(box.open(box.seal('héllo ✓', context), context), 'héllo ✓');
  });

  void test('rotation: the new key seals, the old key still opens', () => {
    const oldKey = generateSecretKey('old');
    const sealedWithOld = new SecretBox([oldKey]).seal('secret', context);
    const rotated = new SecretBox([generateSecretKey('new'), oldKey]);
    assert.equal(rotated.currentKeyId, 'new');
    assert.equal(rotated.open(sealedWithOld, context), 'secret');
    assert.match(rotated.seal('secret', context), /^v1\.new\./);
  });

  void test('a ciphertext moved to another row does not open', () => {
    const box = new SecretBox([generateSecretKey('k1')]);
    assertDecryptionFails(() => box.open(box.seal('secret', 'totp:factor-1'), 'totp:factor-2'));
  });

  void test('an unknown key id is refused', () => {
    const sealed = new SecretBox([generateSecretKey('gone')]).seal('secret', context);
    assertDecryptionFails(() => new SecretBox([generateSecretKey('k1')]).open(sealed, context));
  });

  void test('relabelling a ciphertext with another configured key id is refused', () => {
    const box = new SecretBox([generateSecretKey('a'), generateSecretKey('b')]);
    assertDecryptionFails(() => box.open(box.seal('secret', context).replace(/^v1\.a\./, 'v1.b.'), context));
  });

  void test('tampering with any part is refused', () => {
    const box = new SecretBox([generateSecretKey('k1')]);
    const sealed = box.seal('a secret long enough to flip', context);
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index] as string, 'base64url');
      bytes[0] = (bytes[0] as number) ^ 1;
      const tampered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part)).join('.');
      assertDecryptionFails(() => box.open(tampered, context));
    }
  });

  void test('malformed values are refused, including truncated tags', () => {
    const box = new SecretBox([generateSecretKey('k1')]);
    const [version, kid, iv, ciphertext, tag] = box.seal('secret', context).split('.') as string[];
    for (const bad of [
      '',
      'not sealed',
      `v2.${kid}.${iv}.${ciphertext}.${tag}`,
      `${version}.${kid}.${iv}.${ciphertext}`,
      `${version}.${kid}.${iv}.${ciphertext}.${tag?.slice(0, 6)}`,
      `${version}.${kid}.${iv}.${ciphertext}.${tag}.extra`,
      `${version}.${kid}.${iv}!.${ciphertext}.${tag}`,
    ]) {
      assertDecryptionFails(() => box.open(bad, context));
    }
  });

  void test('refuses an empty key list, a short key and a repeated id', () => {
    assertConfigError(() => new SecretBox([]), /at least one key/);
    assertConfigError(() => new SecretBox([{ id: 'k1', key: Buffer.alloc(16) }]), /must be 32 bytes, got 16/);
    const key = generateSecretKey('k1');
    assertConfigError(() => new SecretBox([key, key]), /used twice/);
    assertConfigError(() => new SecretBox([{ id: 'a.b', key: key.key }]), /key id "a\.b"/);
  });
});

void describe('parseSecretKeys', () => {
  void test('is the inverse of formatSecretKeys', () => {
    const keys = [generateSecretKey('k2'), generateSecretKey('k1')];
    const parsed = parseSecretKeys(formatSecretKeys(keys));
    assert.deepEqual(parsed.map((key) => [key.id, key.key.toString('hex')]), keys.map((key) => [key.id, key.key.toString('hex')]));
  });

  void test('accepts padded base64 and base64url, with spaces around entries', () => {
    const key = Buffer.alloc(32, 0xfb);
    const parsed = parseSecretKeys(` a:${key.toString('base64')} , b:${key.toString('base64url')} `);
    assert.deepEqual(parsed.map((entry) => entry.id), ['a', 'b']);
    assert.ok(parsed.every((entry) => entry.key.equals(key)));
  });

  void test('names what is wrong without echoing key material', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    assertConfigError(() => parseSecretKeys(''), /at least one key/);
    assertConfigError(() => parseSecretKeys('just-a-key'), /entry 1 must look like/);
    assertConfigError(() => parseSecretKeys(`k1:${short}`), /key "k1" must be 32 bytes, got 16/);
    assertConfigError(() => parseSecretKeys('k1:not base64!'), /key "k1" is not base64/);
    assert.throws(() => parseSecretKeys(`k1:${short}`), (error: Error) => !error.message.includes(short));
  });

  void test('generated keys have unique default ids', () => {
    const a = generateSecretKey();
    const b = generateSecretKey();
    assert.equal(a.key.length, 32);
    assert.match(a.id, /^\d{8}-[0-9a-f]{4}$/);
    assert.notEqual(a.key.toString('hex'), b.key.toString('hex'));
  });
});
