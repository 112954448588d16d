import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type */
type AnyDb = Kysely<any>;

/**
 * The audit log: append-only, hash-chained events (`audit_events`, `seq`
 * 1, 2, 3, … without gaps), the chain's head in a one-row table that every
 * append locks and moves in the same transaction (so concurrent writers on
 * several nodes keep one chain, and removing the last events shows), and
 * the webhook's delivery cursor; and the admin accounts of the console
 * (Stepwise users granted the admin role). JSON columns are text. Same portable
 * subset as `migrations.ts`.
 */
export const auditMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('audit_events')
      .addColumn('seq', 'bigint', (col) => col.primaryKey())
      .addColumn('type', 'text', (col) => col.notNull())
      /** Epoch milliseconds. */
      .addColumn('at', 'bigint', (col) => col.notNull())
      .addColumn('actor', 'text')
      .addColumn('subject', 'text')
      .addColumn('client', 'text')
      .addColumn('ip', 'text')
      .addColumn('device', 'text')
      .addColumn('requirement', 'text')
      .addColumn('rules', 'text')
      .addColumn('signals', 'text')
      .addColumn('outcome', 'text')
      .addColumn('details', 'text')
      .addColumn('prev_hash', 'text', (col) => col.notNull())
      .addColumn('hash', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
    await db.schema.createIndex('audit_events_subject_at').on('audit_events').columns(['subject', 'at']).execute();
    await db.schema.createIndex('audit_events_type_at').on('audit_events').columns(['type', 'at']).execute();

    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (col) => col.primaryKey())
      .addColumn('seq', 'bigint', (col) => col.notNull())
      .addColumn('hash', 'text', (col) => col.notNull())
      .execute();
    await db.insertInto('audit_head').values({ id: 1, seq: 0, hash: '0'.repeat(64) }).execute();

    await db.schema
      .createTable('audit_cursors')
      .addColumn('name', 'text', (col) => col.primaryKey())
      /** The last `seq` delivered. */
      .addColumn('seq', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .execute();

    // The console's charts and decision list read recent decisions of every subject.
    await db.schema.createIndex('decisions_created_at').on('decisions').column('created_at').execute();

    await db.schema
      .createTable('admins')
      .addColumn('user_id', 'text', (col) => col.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('granted_at', 'bigint', (col) => col.notNull())
      /** Who granted it: `cli`, `demo`, or `admin:<username>`. */
      .addColumn('granted_by', 'text', (col) => col.notNull())
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('admins').execute();
    await db.schema.dropIndex('decisions_created_at').execute();
    await db.schema.dropTable('audit_cursors').execute();
    await db.schema.dropTable('audit_head').execute();
    await db.schema.dropTable('audit_events').execute();
  },
};
