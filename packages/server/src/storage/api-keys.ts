import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import { SimpleError } from '@stepwise/core';
import { isUniqueViolation, type Db } from './database.js';
import { prepareQuery } from './prepared-query.js';
import type { ApiKeysTable } from './schema.js';

/** An API key of the decision API, without its secret. */
export interface ApiKey {
  readonly id: string;
  readonly name: string;
  /** Absolute URLs the hosted challenge page may send users back to. */
  readonly returnTo: readonly string[];
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** A key as created: the only time its full value exists. */
export interface CreatedApiKey extends ApiKey {
  /** `sw_<id>_<secret>`: shown once, stored only as a hash. */
  readonly key: string;
}

const KEY_FORMAT = /^sw_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    name: row.name,
    returnTo: JSON.parse(row.return_to) as string[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Creates an API key. The secret has 256 bits, so a plain SHA-256 of it is
 * a safe stored form (no slow hash needed), checked in constant time.
 *
 * @param db - database
 * @param input - a unique name and the return URLs the key may use
 * @param now - seconds
 * @throws `ERR_API_KEY_EXISTS` when the name is taken
 * @example
 * ```ts
 * const { key } = await createApiKey(db, { name: 'bank-backend', returnTo: ['https://bank.example/stepped-up'] }, now);
 * ```
 */
export async function createApiKey(db: Db, input: { name: string; returnTo: readonly string[] }, now: number): Promise<CreatedApiKey> {
  const id = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  const row = { id, name: input.name, secret_hash: hashSecret(secret), return_to: JSON.stringify(input.returnTo), created_at: now, last_used_at: null, revoked_at: null };
  try {
    await db.insertInto('api_keys').values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new SimpleError('ERR_API_KEY_EXISTS', undefined, { name: input.name });
    throw error;
  }
  return { ...toApiKey(row), key: `sw_${id}_${secret}` };
}

/**
 * The live key a presented value belongs to.
 *
 * @param db - database
 * @param presented - the bearer value
 * @returns the key, or `undefined` when it is malformed, unknown, wrong or revoked
 */
export async function findApiKey(db: Db, presented: string): Promise<ApiKey | undefined> {
  const match = KEY_FORMAT.exec(presented);
  if (!match) return undefined;
  const row = (await apiKeyById.execute(db, match[1]!)).rows[0];
  if (!row || row.revoked_at !== null) return undefined;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const actual = Buffer.from(hashSecret(match[2]!), 'hex');
  return timingSafeEqual(expected, actual) ? toApiKey(row) : undefined;
}

/**
 * Every key, newest first, revoked ones included.
 *
 * @param db - database
 */
export async function listApiKeys(db: Db): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').orderBy('name').execute();
  return rows.map(toApiKey);
}

/**
 * Revokes a key by name; at once, on every node.
 *
 * @param db - database
 * @param name - the key's name
 * @param now - seconds
 * @throws `ERR_API_KEY_NOT_FOUND` when no live key has this name
 */
export async function revokeApiKey(db: Db, name: string, now: number): Promise<void> {
  const result = await db.updateTable('api_keys').set({ revoked_at: now }).where('name', '=', name).where('revoked_at', 'is', null).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new SimpleError('ERR_API_KEY_NOT_FOUND', undefined, { name });
}

/** `last_used_at` is kept to the minute: a write per call would cost more than the decision. */
const TOUCH_INTERVAL_SECONDS = 60;

/**
 * Notes when a key was last used, at most once a minute per key: the key
 * read before tells whether the stored time is that old.
 *
 * @param db - database
 * @param key - the key as just read
 * @param now - seconds
 */
export async function touchApiKey(db: Db, key: ApiKey, now: number): Promise<void> {
  if (key.lastUsedAt !== null && key.lastUsedAt >= now - TOUCH_INTERVAL_SECONDS) return;
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', key.id).execute();
}

/**
 * A key by id, revoked or not (the hosted challenge page names its receipt's audience by it).
 *
 * @param db - database
 * @param id - the key's id
 */
export async function findApiKeyById(db: Db, id: string): Promise<ApiKey | undefined> {
  const row = (await apiKeyById.execute(db, id)).rows[0];
  return row && toApiKey(row);
}

// Every decision API call reads its key; see prepared-query.ts.
const apiKeyById = prepareQuery((db: Db, id: string) => db.selectFrom('api_keys').selectAll().where('id', '=', id));
