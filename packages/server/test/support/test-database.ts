// Which database the end-to-end servers of this run use. The normal run keeps
// each server's SQLite file in its data folder; with
// STEPWISE_TEST_DATABASE=postgres (scripts/run-tests.mjs sets it for its
// PostgreSQL pass) each data folder gets a schema of its own on the server
// STEPWISE_TEST_POSTGRES_URL names. The schema's URL is written into the data
// folder, so a server restarted on the same folder finds the same data, as it
// would its SQLite file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestSchema, testSchemaAt } from './postgres.js';

/** Where a data folder remembers its schema's URL. */
const SCHEMA_URL_FILE = 'test-database-url';

/** The engine the end-to-end servers of this test run store their data in. */
export type TestDatabaseKind = 'sqlite' | 'postgres';

/** `STEPWISE_TEST_DATABASE`, checked: `sqlite` (the default) or `postgres`. */
export function testDatabaseKind(): TestDatabaseKind {
  const kind = process.env.STEPWISE_TEST_DATABASE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new Error(`STEPWISE_TEST_DATABASE must be sqlite or postgres, not ${JSON.stringify(kind)}`);
  }
  return kind;
}

/** The database of one data folder. */
export interface TestDatabase {
  /** The `database_url` to configure, or undefined for the SQLite file in the data folder. */
  readonly url: string | undefined;
  /** Deletes the data kept outside the folder (the PostgreSQL schema); nothing on SQLite. */
  drop(): Promise<void>;
}

/**
 * The database for a data folder: on PostgreSQL, the schema the folder
 * names already, or a fresh one.
 *
 * @param dataDir - the server's data folder
 * @example
 * ```ts
 * const database = await testDatabaseFor(dataDir);
 * const env = { STEPWISE_DATA_DIR: dataDir, ...(database.url ? { STEPWISE_DATABASE_URL: database.url } : {}) };
 * ```
 */
export async function testDatabaseFor(dataDir: string): Promise<TestDatabase> {
  if (testDatabaseKind() === 'sqlite') return { url: undefined, drop: async () => {} };
  const file = join(dataDir, SCHEMA_URL_FILE);
  if (existsSync(file)) {
    const schema = testSchemaAt(readFileSync(file, 'utf8').trim());
    return { url: schema.url, drop: () => schema.drop() };
  }
  const serverUrl = process.env.STEPWISE_TEST_POSTGRES_URL;
  if (!serverUrl) {
    throw new Error('STEPWISE_TEST_DATABASE=postgres needs STEPWISE_TEST_POSTGRES_URL (run `node scripts/run-tests.mjs --postgres`, which starts one)');
  }
  const schema = await createTestSchema(serverUrl);
  writeFileSync(file, `${schema.url}\n`);
  return { url: schema.url, drop: () => schema.drop() };
}
