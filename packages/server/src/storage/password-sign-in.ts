import { sql, type Selectable } from 'kysely';
import type { FailureWindow } from './attempts.js';
import type { Db } from './database.js';
import { jsonArrayFrom, parseJsonRows } from './json-array.js';
import { prepareQuery } from './prepared-query.js';
import type { UsersTable } from './schema.js';
import { normalizeUsername, toUser, type User } from './users.js';

/** What a password sign-in reads before it hashes anything. */
export interface PasswordSignInReads {
  /** The account the username names, if any. */
  readonly user: User | undefined;
  /** The failure counters of the keys asked for; keys without one are absent. */
  readonly windows: Map<string, FailureWindow>;
}

/**
 * The account a typed username names and two failure counters (the
 * account's and the client IP's), in one statement: a sign-in checks the
 * lockouts first and needs the user next, and reading them apart cost a
 * second round trip on every sign-in. A username with no account still
 * gets its counters (lockouts count per username, known or not).
 *
 * @param db - database
 * @param username - as typed
 * @param keys - the two counters' keys
 * @example
 * ```ts
 * const { user, windows } = await readPasswordSignIn(db, 'alice', ['login:user:alice', 'login:ip:192.0.2.1']);
 * ```
 */
export async function readPasswordSignIn(db: Db, username: string, keys: readonly [string, string]): Promise<PasswordSignInReads> {
  const [row] = (await userAndWindows.execute(db, normalizeUsername(username), keys[0], keys[1])).rows;
  if (!row) throw new Error('the sign-in read returned no row');
  const { windows: json, ...columns } = row;
  const rows = parseJsonRows<{ key: string; failures: number; window_start: number }>(json);
  return {
    user: columns.id === null ? undefined : toUser(columns as Selectable<UsersTable>),
    windows: new Map(rows.map((window) => [window.key, { failures: window.failures, windowStart: window.window_start }])),
  };
}

/** Every password sign-in runs it; see prepared-query.ts. */
// One row whether or not the account exists: the user is left-joined to a one-row source.
const userAndWindows = prepareQuery((db: Db, username: string, first: string, second: string) => db
    .selectFrom(sql<{ one: number }>`(select 1 as one)`.as('source'))
    .leftJoin('users', (join) => join.on('users.username', '=', username))
    .selectAll('users')
    .select((eb) => jsonArrayFrom(db, eb.selectFrom('attempts').select(['key', 'failures', 'window_start']).where('key', 'in', [first, second])).as('windows')));
