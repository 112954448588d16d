import { PostgresAdapter } from 'kysely';
import { jsonArrayFrom as postgresJsonArrayFrom } from 'kysely/helpers/postgres';
import { jsonArrayFrom as sqliteJsonArrayFrom } from 'kysely/helpers/sqlite';
import type { Db } from './database.js';

/*
 * Rows of a subquery as one JSON array column, so that one statement
 * brings back a row and its children: one round trip instead of several.
 */

/**
 * A subquery's rows as a JSON array, in the SQL of `db`'s engine (the two
 * build JSON with different functions; Kysely's helpers share one shape).
 * Read the column back with {@link parseJsonRows}.
 *
 * @param db - the handle the query is built on, for its engine
 * @param subquery - the rows, with explicit columns (SQLite names each one)
 * @example
 * ```ts
 * db.selectFrom('users').select((eb) => jsonArrayFrom(db, eb.selectFrom('factors').select(['id']).whereRef('factors.user_id', '=', 'users.id')).as('factors'));
 * ```
 */
export function jsonArrayFrom<O>(db: Db, subquery: Parameters<typeof sqliteJsonArrayFrom<O>>[0]): ReturnType<typeof postgresJsonArrayFrom<O>> {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgresJsonArrayFrom(subquery) : sqliteJsonArrayFrom(subquery);
}

/**
 * The rows of a {@link jsonArrayFrom} column: PostgreSQL's driver parses
 * json, SQLite returns its text. Neither engine promises an aggregate keeps
 * its subquery's order: sort what needs an order.
 *
 * @param value - the column as read
 */
export function parseJsonRows<T>(value: unknown): T[] {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T[];
}
