// Kysely's PostgreSQL introspector lists the tables of every schema in the
// database, and calls functions on each row (`has_schema_privilege` by
// name, `pg_get_serial_sequence`) that look the schema or table up again
// at the moment they run. When another session drops a schema or a table
// while the list is read, that second lookup fails ("schema … does not
// exist", "relation … does not exist"). The migrator reads this list at every
// start, so another application's DDL on the same database (or another
// test's schema being dropped) could stop Stepwise from starting.
//
// This introspector lists only the schema the connection works in, the
// first of its search_path, which is where Stepwise keeps its tables and
// its migration bookkeeping (see createMigrator).
import { PostgresIntrospector, sql } from 'kysely';
import type { ColumnMetadata, DatabaseIntrospector, DatabaseMetadata, DatabaseMetadataOptions, Kysely, SchemaMetadata, TableMetadata } from 'kysely';

interface ColumnRow {
  table: string;
  schema: string;
  table_type: string;
  column: string;
  not_null: boolean;
  has_default: boolean;
  type: string;
  type_schema: string;
  comment: string | null;
  sequence: string | null;
}

/** Kysely's tables of its own migration bookkeeping, left out unless asked for. */
const KYSELY_TABLES = ['kysely_migration', 'kysely_migration_lock'];

/**
 * The tables and views of the current schema only, so no other schema's
 * DDL can fail the read. Schemas are listed as Kysely lists them:
 * names from `pg_namespace`, which no concurrent drop can fail.
 *
 * @example
 * ```ts
 * class Dialect extends PostgresDialect {
 *   override createIntrospector(db: Kysely<any>) { return new CurrentSchemaIntrospector(db); }
 * }
 * ```
 */
export class CurrentSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;
  readonly #schemas: PostgresIntrospector;

  /** @param db - the handle the dialect gives its introspector */
  constructor(db: Kysely<unknown>) {
    this.#db = db;
    this.#schemas = new PostgresIntrospector(db);
  }

  /** Every schema's name. */
  getSchemas(): Promise<SchemaMetadata[]> {
    return this.#schemas.getSchemas();
  }

  /**
   * The current schema's tables, views and partitioned tables with their columns.
   *
   * @param options - `withInternalKyselyTables` keeps Kysely's migration tables in the list
   */
  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      select c.relname as "table", c.relkind as table_type, ns.nspname as "schema",
             a.attname as "column", a.attnotnull as not_null, a.atthasdef as has_default,
             typ.typname as "type", dtns.nspname as type_schema,
             col_description(a.attrelid, a.attnum) as "comment",
             pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname) as "sequence"
        from pg_catalog.pg_namespace ns
        join pg_catalog.pg_class c on c.relnamespace = ns.oid
        join pg_catalog.pg_attribute a on a.attrelid = c.oid
        join pg_catalog.pg_type typ on typ.oid = a.atttypid
        join pg_catalog.pg_namespace dtns on dtns.oid = typ.typnamespace
       where ns.nspname = current_schema()
         and c.relkind in ('r', 'v', 'p')
         and a.attnum >= 0 and not a.attisdropped
       order by c.relname, a.attnum`.execute(this.#db);
    const tables = new Map<string, TableMetadata & { columns: ColumnMetadata[] }>();
    for (const row of rows) {
      if (!options.withInternalKyselyTables && KYSELY_TABLES.includes(row.table)) continue;
      let table = tables.get(row.table);
      if (!table) {
        table = { name: row.table, schema: row.schema, isView: row.table_type === 'v', columns: [] };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        hasDefaultValue: row.has_default,
        isAutoIncrementing: row.sequence !== null,
        ...(row.comment === null ? {} : { comment: row.comment }),
      });
    }
    return [...tables.values()];
  }

  /**
   * The current schema's tables, as {@link getTables} lists them.
   *
   * @deprecated as in Kysely: use {@link getTables}
   * @param options - as for {@link getTables}
   */
  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
