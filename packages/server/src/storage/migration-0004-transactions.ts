import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type */
type AnyDb = Kysely<any>;

/**
 * Transaction binding for the decision API: a challenge keeps the RFC 9396
 * `authorization_details` its decision was bound to (JSON text, as given),
 * shown to the user while they answer and copied into the receipt.
 * Nullable, without a default, so existing rows stay unbound; adding and
 * dropping one such column is the same statement on SQLite (3.35 and later)
 * and PostgreSQL. Same portable subset as `migrations.ts`.
 */
export const transactionsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema.alterTable('challenges').addColumn('authorization_details', 'text').execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.alterTable('challenges').dropColumn('authorization_details').execute();
  },
};
