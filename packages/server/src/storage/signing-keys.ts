import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { SigningKeysTable } from './schema.js';

/** A token signing key. Retired keys stay published until deleted. */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  /** Encrypted private JWK; opaque to storage. */
  privateJwk: string;
  publicJwk: Record<string, unknown>;
  createdAt: number;
  retiredAt: number | null;
}

function toKey(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    privateJwk: row.private_jwk,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  };
}

/**
 * Stores a new signing key.
 *
 * @param db - database
 * @param record - the key; `kid` must be new
 * @example
 * ```ts
 * await insertSigningKey(db, { kid, alg: 'ES256', privateJwk: sealed, publicJwk, createdAt: now, retiredAt: null });
 * ```
 */
export async function insertSigningKey(db: Db, record: SigningKeyRecord): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: record.kid,
      alg: record.alg,
      private_jwk: record.privateJwk,
      public_jwk: JSON.stringify(record.publicJwk),
      created_at: record.createdAt,
      retired_at: record.retiredAt,
    })
    .execute();
}

/**
 * Every signing key, newest first (then by kid, so the order is stable).
 *
 * @param db - database
 */
export async function listSigningKeys(db: Db): Promise<SigningKeyRecord[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid').execute();
  return rows.map(toKey);
}

/**
 * Stops signing with a key; it still verifies tokens already issued.
 * Retiring twice keeps the first time.
 *
 * @param db - database
 * @param kid - key id
 * @param at - seconds
 */
export async function retireSigningKey(db: Db, kid: string, at: number): Promise<void> {
  await db.updateTable('signing_keys').set({ retired_at: at }).where('kid', '=', kid).where('retired_at', 'is', null).execute();
}

/**
 * Removes a key for good, once no token signed with it can still be valid.
 *
 * @param db - database
 * @param kid - key id
 */
export async function deleteSigningKey(db: Db, kid: string): Promise<void> {
  await db.deleteFrom('signing_keys').where('kid', '=', kid).execute();
}
