import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { SecretKey } from './secret-box.js';

/*
 * Short secrets (six-digit codes, recovery codes) hashed with a plain hash
 * would fall to an offline search of their small space after a database
 * leak. An HMAC under a key derived from the secret keys, which never sit
 * in the database, keeps them safe: the stored value names the key id so
 * hashes survive rotation.
 */

const cache = new WeakMap<SecretKey, Map<string, Buffer>>();

function hashKey(secretKey: SecretKey, purpose: string): Buffer {
  let perPurpose = cache.get(secretKey);
  if (!perPurpose) cache.set(secretKey, (perPurpose = new Map()));
  let key = perPurpose.get(purpose);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secretKey.key, Buffer.alloc(0), `stepwise keyed hash: ${purpose}`, 32));
    perPurpose.set(purpose, key);
  }
  return key;
}

function digest(secretKey: SecretKey, purpose: string, value: string): string {
  return createHmac('sha256', hashKey(secretKey, purpose)).update(value).digest('base64url');
}

/**
 * Hashes a short secret under the current secret key.
 *
 * @param keys - the secret keys, current first
 * @param purpose - what the value is (`one-time code`, `recovery code`); separates key spaces
 * @param value - the secret, already normalised (and bound to its context when it has one)
 * @returns `<key id>:<base64url HMAC-SHA-256>`
 * @example
 * ```ts
 * const stored = keyedHash(services.secretKeys, 'recovery code', 'ABCD-EFGH-JKMN-PQRS');
 * ```
 */
export function keyedHash(keys: readonly SecretKey[], purpose: string, value: string): string {
  const current = keys[0];
  if (!current) throw new Error('no secret key to hash with');
  return `${current.id}:${digest(current, purpose, value)}`;
}

/**
 * Whether a value matches a stored {@link keyedHash}, in constant time, under
 * whichever configured key made it. A hash made by a key no longer
 * configured never matches.
 *
 * @param keys - the secret keys
 * @param purpose - as given to {@link keyedHash}
 * @param value - the candidate secret, normalised the same way
 * @param stored - the stored hash
 */
export function matchesKeyedHash(keys: readonly SecretKey[], purpose: string, value: string, stored: string): boolean {
  const separator = stored.indexOf(':');
  const key = keys.find((candidate) => candidate.id === stored.slice(0, separator));
  if (!key) return false;
  const expected = Buffer.from(stored.slice(separator + 1));
  const actual = Buffer.from(digest(key, purpose, value));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
