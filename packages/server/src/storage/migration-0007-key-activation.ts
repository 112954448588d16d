import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type */
type AnyDb = Kysely<any>;

/**
 * Signing keys for several nodes: `activates_at`, the time from which a key
 * may sign (a rotated-in key is published by every node before any node
 * signs with it), and `last_signed_at`, the latest time a node reported
 * signing with the key (the clock that decides when a retired key may be
 * deleted). Existing keys were active from their creation. Same portable
 * subset as `migrations.ts`.
 */
export const keyActivationMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema.alterTable('signing_keys').addColumn('activates_at', 'bigint').execute();
    await db.schema.alterTable('signing_keys').addColumn('last_signed_at', 'bigint').execute();
    await db.updateTable('signing_keys').set((eb) => ({ activates_at: eb.ref('created_at') })).execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.alterTable('signing_keys').dropColumn('last_signed_at').execute();
    await db.schema.alterTable('signing_keys').dropColumn('activates_at').execute();
  },
};
