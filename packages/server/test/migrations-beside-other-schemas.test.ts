// A Stepwise node starting on a PostgreSQL database whose other schemas
// other sessions create and drop at the same time (another application,
// another test file's clean-up). Kysely's own introspector listed the tables
// of every schema at each migrator start and looked each schema and table up
// again per row (`has_schema_privilege`, `pg_get_serial_sequence`): a schema
// dropped between the list and the lookup failed the start with "schema …
// does not exist" or "relation … does not exist". The migrator now reads
// only the node's own schema (storage/current-schema-introspector.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database } from '../src/index.js';
import { postgresForBlock } from './support/postgres.js';

/** How long another session churns schemas while the node reads its tables. */
const CHURN_MS = 4_000;
/** Tables in each churned schema: more rows for a list of every schema to trip over. */
const CHURNED_TABLES = 20;
/** At least this many reads must run during the churn for the test to mean anything. */
const MIN_READS = 100;

describe('migrations beside other schemas on one PostgreSQL', () => {
  const postgres = postgresForBlock();

  /** Creates a schema full of serial tables and drops it, over and over, until `stop` is set. */
  async function churnSchemas(client: pg.Client, name: string, signal: { stop: boolean }): Promise<number> {
    const tables = Array.from({ length: CHURNED_TABLES }, (_, i) => `create table ${name}.t${i} (id serial primary key, v text);`).join('\n');
    let rounds = 0;
    while (!signal.stop) {
      await client.query(`create schema ${name};\n${tables}`);
      await client.query(`drop schema ${name} cascade`);
      rounds++;
    }
    return rounds;
  }

  test('a node reads its tables and starts while another session creates and drops schemas', async () => {
    const mine = await postgres.schema();
    const database = await openDatabase(mine.url);
    const churner = new pg.Client({ connectionString: postgres.url() });
    await churner.connect();
    // A name of its own, as a server named by STEPWISE_TEST_POSTGRES_URL may be shared.
    const churned = `churn_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const signal = { stop: false };
    const failures: string[] = [];
    let reads = 0;
    let starts = 0;
    try {
      const churning = churnSchemas(churner, churned, signal);
      const deadline = Date.now() + CHURN_MS;
      while (Date.now() < deadline) {
        try {
          await database.db.introspection.getTables({ withInternalKyselyTables: true });
        } catch (error) {
          failures.push(`read: ${error instanceof Error ? error.message : String(error)}`);
        }
        reads++;
        // Now and then a whole start, which runs the migrator on a fresh schema.
        if (reads % 50 === 0) {
          const fresh = await postgres.schema();
          try {
            await (await openDatabase(fresh.url)).close();
          } catch (error) {
            failures.push(`start: ${error instanceof Error ? error.message : String(error)}`);
          }
          starts++;
        }
      }
      signal.stop = true;
      const rounds = await churning;
      assert.ok(rounds > 0 && reads >= MIN_READS, `the churn ran ${rounds} rounds beside ${reads} reads`);
      assert.deepEqual(failures, [], `${failures.length} of ${reads} reads and ${starts} starts failed`);
    } finally {
      signal.stop = true;
      await churner.query(`drop schema if exists ${churned} cascade`).catch(() => {});
      await churner.end();
      await database.close();
    }
  });

  test('only the node\'s own schema is listed, with columns, and without Kysely\'s tables unless asked', async () => {
    const other = await postgres.schema();
    const otherDatabase = await openDatabase(other.url);
    await otherDatabase.close();
    const mine = await postgres.schema();
    const database: Database = await openDatabase(mine.url);
    try {
      const tables = await database.db.introspection.getTables();
      const names = tables.map((table) => table.name);
      assert.ok(names.includes('users') && names.includes('audit_events'), `Stepwise tables listed: ${names.join(', ')}`);
      assert.ok(tables.every((table) => table.schema === mine.name), 'only the node\'s own schema is listed');
      assert.ok(!names.includes('kysely_migration'), 'Kysely\'s bookkeeping is left out unless asked for');
      const users = tables.find((table) => table.name === 'users')!;
      assert.ok(users.columns.some((column) => column.name === 'id' && !column.isNullable), 'columns come with the table');

      const withKysely = (await database.db.introspection.getTables({ withInternalKyselyTables: true })).map((table) => table.name);
      assert.ok(withKysely.includes('kysely_migration') && withKysely.includes('kysely_migration_lock'), withKysely.join(', '));
    } finally {
      await database.close();
    }
  });
});
