import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { isMethodId, SimpleError, ValidationError, type MethodId } from '@stepwise/core';
import { epochSeconds, isUniqueViolation } from './database.js';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';
import type { UsersTable } from './schema.js';

/** An account. `username` is always the normalized form. */
export interface User {
  id: string;
  username: string;
  displayName: string | null;
  email: string | null;
  /** argon2id PHC string; null for accounts that sign in without a password. */
  passwordHash: string | null;
  disabled: boolean;
  createdAt: number;
  /** Phone number on file (E.164), if any. */
  phone: string | null;
  /** The step-up method the user picked last, offered first next time. */
  preferredMethod: MethodId | null;
}

/**
 * The form of a username that is stored and compared. NFKC folds look-alike
 * compatibility characters (full-width letters, ligatures) so that two
 * visually identical names cannot be two accounts. A NUL character, which
 * PostgreSQL text cannot hold (the query fails), becomes U+FFFD: the name
 * stays distinct from every name without it, and is simply unknown, on
 * both engines.
 *
 * @param username - as typed
 * @example
 * ```ts
 * normalizeUsername('  Ａlice ') // 'alice'
 * ```
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase().replaceAll('\u0000', '\uFFFD');
}

/**
 * A `users` row as a {@link User}, for repositories that read users with a join.
 *
 * @param row - every column of the row
 */
export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    passwordHash: row.password_hash,
    disabled: row.disabled !== 0,
    createdAt: row.created_at,
    phone: row.phone,
    preferredMethod: row.preferred_method !== null && isMethodId(row.preferred_method) ? row.preferred_method : null,
  };
}

/**
 * Creates an account.
 *
 * @param db - database
 * @param input - username (normalized before storing), password hash, optional profile
 * @throws SimpleError `ERR_USER_EXISTS` when the normalized username is taken
 * @throws ValidationError when the username is empty once normalized
 * @example
 * ```ts
 * const user = await createUser(db, { username: 'alice', passwordHash: await hash(pw) });
 * ```
 */
export async function createUser(
  db: Db,
  input: { username: string; passwordHash: string | null; displayName?: string | null; email?: string | null },
): Promise<User> {
  const username = normalizeUsername(input.username);
  if (username === '') throw new ValidationError('username', 'must not be empty');
  const row = {
    id: randomUUID(),
    username,
    display_name: input.displayName ?? null,
    email: input.email ?? null,
    password_hash: input.passwordHash,
    disabled: 0,
    created_at: epochSeconds(),
    phone: null,
    preferred_method: null,
  };
  try {
    // Rely on the unique index rather than a prior SELECT, which would race.
    await db.insertInto('users').values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new SimpleError('ERR_USER_EXISTS');
    throw err;
  }
  return toUser(row);
}

/**
 * Finds an account by username, in any case or compatibility form.
 *
 * @param db - database
 * @param username - as typed
 */
export async function findUserByUsername(db: Db, username: string): Promise<User | undefined> {
  const [row] = (await userByUsername.execute(db, normalizeUsername(username))).rows;
  return row && toUser(row);
}

/** Every sign-in reads it; see prepared-query.ts. */
const userByUsername = prepareQuery((db: Db, username: string) => db.selectFrom('users').selectAll().where('username', '=', username));

/**
 * Finds an account by id.
 *
 * @param db - database
 * @param id - user id
 */
export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

/**
 * Every account, ordered by username.
 *
 * @param db - database
 */
export async function listUsers(db: Db): Promise<User[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('username').execute();
  return rows.map(toUser);
}

/**
 * Disables or re-enables an account.
 *
 * @param db - database
 * @param id - user id
 * @param disabled - true to refuse every sign-in
 * @throws SimpleError `ERR_USER_NOT_FOUND` when no such user
 */
export async function setUserDisabled(db: Db, id: string, disabled: boolean): Promise<void> {
  const result = await db.updateTable('users').set({ disabled: disabled ? 1 : 0 }).where('id', '=', id).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new SimpleError('ERR_USER_NOT_FOUND');
}

/**
 * Replaces an account's password hash (password change, or re-hash after an
 * argon2 parameter change).
 *
 * @param db - database
 * @param id - user id
 * @param passwordHash - the new PHC string
 * @throws SimpleError `ERR_USER_NOT_FOUND` when no such user
 */
export async function updatePasswordHash(db: Db, id: string, passwordHash: string): Promise<void> {
  const result = await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new SimpleError('ERR_USER_NOT_FOUND');
}

/**
 * Remembers the method a user stepped up with, to offer it first next time.
 *
 * @param db - database
 * @param id - user id
 * @param method - the method just used
 */
export async function setPreferredMethod(db: Db, id: string, method: MethodId): Promise<void> {
  await preferredMethodUpdate.execute(db, method, id);
}

const preferredMethodUpdate = prepareQuery((db: Db, method: MethodId, id: string) =>
  db.updateTable('users').set({ preferred_method: method }).where('id', '=', id));

/**
 * Sets the email address or phone number on file (after it was verified).
 *
 * @param db - database
 * @param id - user id
 * @param contact - `email` or `phone`, and the new value (null clears it)
 */
export async function setContact(db: Db, id: string, contact: { email: string | null } | { phone: string | null }): Promise<void> {
  await db.updateTable('users').set(contact).where('id', '=', id).execute();
}

/**
 * Accounts whose username, email or display name contains `query` (any
 * case), ordered by username: the admin console's search. `%` and `_` in
 * the query match themselves.
 *
 * @param db - database
 * @param input - the text to look for (empty: every account), page size and offset
 * @example
 * ```ts
 * const page = await searchUsers(db, { query: 'ali', limit: 50, offset: 0 });
 * ```
 */
export async function searchUsers(db: Db, input: { query: string; limit: number; offset: number }): Promise<User[]> {
  let select = db.selectFrom('users').selectAll();
  const text = input.query.normalize('NFKC').trim().toLowerCase();
  if (text !== '') {
    const pattern = `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    const contains = (column: 'username' | 'email' | 'display_name') => sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
    select = select.where((eb) => eb.or([contains('username'), contains('email'), contains('display_name')]));
  }
  const rows = await select.orderBy('username').limit(input.limit).offset(input.offset).execute();
  return rows.map(toUser);
}

/**
 * The usernames of some accounts, by id (unknown ids are left out): labels
 * for the user ids an audit page shows.
 *
 * @param db - database
 * @param ids - user ids (at most a page's worth)
 */
export async function usernamesByIds(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'username']).where('id', 'in', unique).execute();
  return new Map(rows.map((row) => [row.id, row.username]));
}
