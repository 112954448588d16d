import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type */
type AnyDb = Kysely<any>;

/**
 * Request counters of the HTTP rate limits, in the database so every node
 * counts against the same limit: one row per route and caller, the hits of
 * its current fixed window and when that window ends (epoch milliseconds,
 * as the windows are configured in milliseconds). Rows of ended windows are
 * swept by `resets_at`. Same portable subset as `migrations.ts`.
 */
export const rateLimitsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('rate_limits')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('hits', 'integer', (col) => col.notNull())
      .addColumn('resets_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('rate_limits_resets_at').on('rate_limits').column('resets_at').execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('rate_limits').execute();
  },
};
