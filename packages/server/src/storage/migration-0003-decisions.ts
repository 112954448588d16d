import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type */
type AnyDb = Kysely<any>;

/**
 * The decision API and the risk engine: API keys (hashed), decisions with
 * their reasons, challenges (pending step-ups of the decision API), and the
 * per-user history risk signals learn from (sign-ins, known devices).
 * Same portable subset as `migrations.ts`.
 */
export const decisionsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('name', 'text', (col) => col.notNull().unique())
      .addColumn('secret_hash', 'text', (col) => col.notNull())
      /** JSON list of absolute URLs the hosted challenge page may send users back to. */
      .addColumn('return_to', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();

    await db.schema
      .createTable('decisions')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('api_key_id', 'text')
      .addColumn('subject', 'text', (col) => col.notNull())
      .addColumn('action', 'text', (col) => col.notNull())
      .addColumn('outcome', 'text', (col) => col.notNull())
      /** JSON: requirement, reasons, risk, the input (resource and context). */
      .addColumn('requirement', 'text', (col) => col.notNull())
      .addColumn('reasons', 'text', (col) => col.notNull())
      .addColumn('risk', 'text', (col) => col.notNull())
      .addColumn('input', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('decisions_subject').on('decisions').columns(['subject', 'created_at']).execute();

    await db.schema
      .createTable('challenges')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('decision_id', 'text', (col) => col.notNull())
      .addColumn('api_key_id', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('action', 'text', (col) => col.notNull())
      .addColumn('requirement', 'text', (col) => col.notNull())
      .addColumn('return_to', 'text')
      /** pending, satisfied, failed or expired. */
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('satisfied_at', 'bigint')
      /** JSON: acr, amr, auth_time of the proof that satisfied it. */
      .addColumn('proof', 'text')
      /** Events the decision's token proved (JSON list), counted with the answers. */
      .addColumn('prior_events', 'text', (col) => col.notNull())
      .addColumn('receipt', 'text')
      .addColumn('receipt_jti', 'text')
      .execute();
    await db.schema.createIndex('challenges_expires_at').on('challenges').column('expires_at').execute();

    await db.schema
      .createTable('sign_in_history')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('at', 'bigint', (col) => col.notNull())
      .addColumn('ip', 'text')
      .addColumn('country', 'text')
      .addColumn('latitude', 'double precision')
      .addColumn('longitude', 'double precision')
      .addColumn('device_id', 'text')
      .execute();
    await db.schema.createIndex('sign_in_history_user').on('sign_in_history').columns(['user_id', 'at']).execute();

    await db.schema
      .createTable('known_devices')
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('device_id', 'text', (col) => col.notNull())
      .addColumn('first_seen_at', 'bigint', (col) => col.notNull())
      .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('known_devices_pk', ['user_id', 'device_id'])
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    for (const table of ['known_devices', 'sign_in_history', 'challenges', 'decisions', 'api_keys']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
