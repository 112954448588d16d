import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type */
type AnyDb = Kysely<any>;

/**
 * A lease on each audit consumer (the webhook): with several nodes, only
 * the node that holds `lease_owner` until `lease_until` (epoch seconds)
 * delivers, so a receiver no longer gets every batch once per node. Same
 * portable subset as `migrations.ts`.
 */
export const auditLeaseMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema.alterTable('audit_cursors').addColumn('lease_owner', 'text').execute();
    await db.schema.alterTable('audit_cursors').addColumn('lease_until', 'bigint').execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.alterTable('audit_cursors').dropColumn('lease_until').execute();
    await db.schema.alterTable('audit_cursors').dropColumn('lease_owner').execute();
  },
};
