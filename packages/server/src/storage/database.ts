import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, sql, SqliteDialect } from 'kysely';
import type { DatabaseIntrospector, Migration, MigrationProvider } from 'kysely';
import pg from 'pg';
import { SimpleError } from '@stepwise/core';
import { CurrentSchemaIntrospector } from './current-schema-introspector.js';
import { MIGRATIONS } from './migrations.js';
import type { DatabaseSchema } from './schema.js';

/** A Kysely handle on the Stepwise schema; every repository takes one first. */
export type Db = Kysely<DatabaseSchema>;

/** An open database: the handle, which engine it is, and how to close it. */
export interface Database {
  readonly db: Db;
  readonly dialect: 'sqlite' | 'postgres';
  /** Closes every connection; safe to call twice. */
  close(): Promise<void>;
}

const INT8_OID = 20;

/*
 * pg returns int8 as a string because it can exceed 2^53. Our int8 columns
 * hold epoch seconds and counters, far below that, so numbers are safe and
 * keep both drivers returning the same types. The parser is set per pool,
 * not globally, so other pg users in the process are unaffected.
 */
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Opens the database named by a URL and brings its schema up to date.
 *
 * @param url - `sqlite:<path>` (parent folder created), `sqlite::memory:`,
 *   or `postgres://…` / `postgresql://…`
 * @returns the open database; call `close()` when done
 * @throws SimpleError `ERR_CONFIG_INVALID` for any other scheme
 * @example
 * ```ts
 * const { db, close } = await openDatabase('sqlite:./data/stepwise.db');
 * try { await listUsers(db); } finally { await close(); }
 * ```
 */
export async function openDatabase(url: string): Promise<Database> {
  const database = url.startsWith('postgres://') || url.startsWith('postgresql://')
    ? openPostgres(url)
    : url.startsWith('sqlite:')
      ? openSqlite(url.slice('sqlite:'.length))
      : undefined;
  if (!database) {
    throw new SimpleError('ERR_CONFIG_INVALID', 'database url must start with sqlite: or postgres://');
  }
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

function openSqlite(location: string): Database {
  // Accept `sqlite:///abs/path` as well as `sqlite:/abs/path` and `sqlite:rel/path`.
  const path = location.startsWith('//') ? location.slice(2) : location;
  if (path === '') {
    throw new SimpleError('ERR_CONFIG_INVALID', 'database url sqlite: needs a file path or :memory:');
  }
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  // WAL lets readers run beside the single writer; busy_timeout makes a
  // second process wait for the write lock instead of failing at once.
  if (!inMemory) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  let closed = false;
  return {
    db,
    dialect: 'sqlite',
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      // Kysely closes the handle it was given, but only if it ever opened a
      // connection; closing here too guarantees the WAL is checkpointed and
      // the -wal/-shm files are removed.
      if (sqlite.open) sqlite.close();
    },
  };
}

/** Distinct statements kept prepared; the server's queries are far fewer. */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely's SQLite driver prepares every query again on every call, which
 * was a tenth of a decision's time. The SQL of each query shape is the
 * same text each time (values are parameters), so its prepared statement
 * is reused; SQLite re-prepares by itself after a schema change.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): { close(): void; prepare(sql: string): BetterSqlite3.Statement } {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** Kysely's PostgreSQL dialect, introspecting only the current schema (see CurrentSchemaIntrospector). */
class StepwisePostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, types: pgTypes });
  // An idle connection the server ends (a restart, a failover, an operator's
  // pg_terminate_backend) is reported here; unhandled, it would crash the
  // process. The pool drops that client and the next query opens another;
  // errors of queries still reach their callers.
  pool.on('error', () => {});
  const db = new Kysely<DatabaseSchema>({ dialect: new StepwisePostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    dialect: 'postgres',
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

const provider: MigrationProvider = {
  // Migrations live in code so the compiled server needs no files beside it.
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...MIGRATIONS };
  },
};

/**
 * The migrator of a database. On PostgreSQL its bookkeeping tables are
 * looked for in the schema the connection works in (the first of its
 * search_path): left to itself, Kysely takes a `kysely_migration` table in
 * any schema of the database for its own, so a second Stepwise (or any
 * Kysely application) in another schema made this one skip creating its
 * tables and fail. The tables it looks at come from the dialect's
 * introspector, which reads only that schema too (CurrentSchemaIntrospector),
 * so another schema dropped while a node starts cannot fail the start.
 *
 * @param db - the database to migrate
 * @example
 * ```ts
 * const { error } = await (await createMigrator(db)).migrateTo('0003_decisions');
 * ```
 */
export async function createMigrator(db: Db): Promise<Migrator> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return new Migrator({ db, provider });
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  return new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
}

/**
 * Runs every migration not yet applied. Kysely holds a lock while it runs,
 * so several server processes may start at once against one PostgreSQL.
 *
 * @param db - the database to migrate
 * @throws the first migration error, unchanged
 * @example
 * ```ts
 * await migrateToLatest(db);
 * ```
 */
export async function migrateToLatest(db: Db): Promise<void> {
  const { error } = await (await createMigrator(db)).migrateToLatest();
  if (error !== undefined) throw error;
}

/**
 * Tells whether an error is a unique or primary-key violation, from either
 * driver, so repositories can turn it into a catalogued error.
 *
 * @param err - anything caught from a query
 */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('code' in err)) return false;
  const { code } = err as { code: unknown };
  // 23505 is PostgreSQL's unique_violation; better-sqlite3 uses extended codes.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Current time in whole seconds since the epoch. */
export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
