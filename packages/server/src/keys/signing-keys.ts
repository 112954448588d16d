import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../storage/database.js';
import {
  deleteSigningKey,
  insertSigningKey,
  listSigningKeys,
  retireSigningKey,
  type SigningKeyRecord,
} from '../storage/signing-keys.js';

/** Tokens are signed with ES256 only (RFC 7518 P-256). */
export const SIGNING_ALG = 'ES256';

/** A key as oidc-provider's `jwks` option wants it, plus its state. */
export interface LoadedSigningKey {
  readonly kid: string;
  readonly jwk: JWK;
  readonly active: boolean;
  readonly createdAt: number;
  readonly retiredAt: number | null;
}

function sealContext(kid: string): string {
  return `signing-key:${kid}`;
}

/**
 * Creates a new ES256 key pair and stores it, the private half encrypted.
 *
 * @param db - database
 * @param box - secret box for the private key
 * @param now - seconds since the epoch
 * @returns the key id (its RFC 7638 thumbprint)
 */
export async function createSigningKey(db: Db, box: SecretBox, now: number): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  const record: SigningKeyRecord = {
    kid,
    alg: SIGNING_ALG,
    privateJwk: box.seal(JSON.stringify(privateJwk), sealContext(kid)),
    publicJwk: { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' },
    createdAt: now,
    retiredAt: null,
  };
  await insertSigningKey(db, record);
  return kid;
}

/**
 * Makes a new key the signer and retires the previous ones. A retired key's
 * public half stays in the JWKS for `graceSeconds` (the longest token
 * lifetime) so tokens it signed keep verifying, then it is deleted.
 *
 * @param db - database
 * @param box - secret box
 * @param now - seconds since the epoch
 * @returns the new key id and the ids retired now
 * @example
 * ```ts
 * const { kid } = await rotateSigningKey(db, box, Math.floor(Date.now() / 1000));
 * ```
 */
export async function rotateSigningKey(db: Db, box: SecretBox, now: number): Promise<{ kid: string; retired: string[] }> {
  const existing = await listSigningKeys(db);
  const kid = await createSigningKey(db, box, now);
  const retired: string[] = [];
  for (const key of existing) {
    if (key.retiredAt === null) {
      await retireSigningKey(db, key.kid, now);
      retired.push(key.kid);
    }
  }
  return { kid, retired };
}

/**
 * Loads the keys to sign with and to publish: the active key first (it signs),
 * then retired keys still inside their grace period, marked verify-only so
 * oidc-provider never signs with them. Creates the first key when none exists
 * and deletes keys whose grace has ended.
 *
 * @param db - database
 * @param box - secret box
 * @param now - seconds since the epoch
 * @param graceSeconds - how long a retired key stays published
 */
export async function loadSigningKeys(
  db: Db,
  box: SecretBox,
  now: number,
  graceSeconds: number,
): Promise<LoadedSigningKey[]> {
  let records = await listSigningKeys(db);
  if (!records.some((record) => record.retiredAt === null)) {
    await createSigningKey(db, box, now);
    records = await listSigningKeys(db);
  }
  const loaded: LoadedSigningKey[] = [];
  for (const record of records) {
    if (record.retiredAt !== null && record.retiredAt + graceSeconds < now) {
      await deleteSigningKey(db, record.kid);
      continue;
    }
    const jwk = JSON.parse(box.open(record.privateJwk, sealContext(record.kid))) as JWK;
    const active = record.retiredAt === null && !loaded.some((key) => key.active);
    loaded.push({
      kid: record.kid,
      jwk: active ? jwk : { ...jwk, key_ops: ['verify'] },
      active,
      createdAt: record.createdAt,
      retiredAt: record.retiredAt,
    });
  }
  return loaded.sort((a, b) => Number(b.active) - Number(a.active));
}
