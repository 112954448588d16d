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
  /** When the key stops (or stopped) signing; may lie in the future, when its successor activates. */
  retiredAt: number | null;
  /** From when the key may sign; before that it is only published. Default: `createdAt`. */
  activatesAt?: number;
  /** The latest time a node reported signing with it; `null` before any did. */
  lastSignedAt?: number | null;
}

function toKey(row: Selectable<SigningKeysTable>): Required<SigningKeyRecord> {
  return {
    kid: row.kid,
    alg: row.alg,
    privateJwk: row.private_jwk,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    activatesAt: row.activates_at ?? row.created_at,
    lastSignedAt: row.last_signed_at,
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
      activates_at: record.activatesAt ?? record.createdAt,
      last_signed_at: record.lastSignedAt ?? null,
    })
    .execute();
}

/**
 * Every signing key, newest first (then by kid, so the order is stable).
 *
 * @param db - database
 * @example
 * ```ts
 * const [newest] = await listSigningKeys(db);
 * ```
 */
export async function listSigningKeys(db: Db): Promise<Required<SigningKeyRecord>[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid').execute();
  return rows.map(toKey);
}

/**
 * Sets when a key stops signing (now, or when its successor activates); it
 * still verifies tokens already issued. Retiring twice keeps the first time.
 *
 * @param db - database
 * @param kid - key id
 * @param at - seconds
 * @example
 * ```ts
 * await retireSigningKey(db, oldKid, successorActivatesAt);
 * ```
 */
export async function retireSigningKey(db: Db, kid: string, at: number): Promise<void> {
  await db.updateTable('signing_keys').set({ retired_at: at }).where('kid', '=', kid).where('retired_at', 'is', null).execute();
}

/**
 * Records that a node signs with a key as of `at`. The time only moves
 * forward, so the row holds the latest report of every node.
 *
 * @param db - database
 * @param kid - key id
 * @param at - seconds
 * @example
 * ```ts
 * await recordKeySigning(db, signer.kid, now);
 * ```
 */
export async function recordKeySigning(db: Db, kid: string, at: number): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ last_signed_at: at })
    .where('kid', '=', kid)
    .where((eb) => eb.or([eb('last_signed_at', 'is', null), eb('last_signed_at', '<', at)]))
    .execute();
}

/**
 * Removes a key for good, once no token signed with it can still be valid.
 *
 * @param db - database
 * @param kid - key id
 * @example
 * ```ts
 * await deleteSigningKey(db, expiredKid);
 * ```
 */
export async function deleteSigningKey(db: Db, kid: string): Promise<void> {
  await db.deleteFrom('signing_keys').where('kid', '=', kid).execute();
}
