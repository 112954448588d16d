import type { Kysely, Migration } from 'kysely';

/*
 * Migrations use only the portable subset of Kysely's schema builder, so the
 * same code runs on SQLite and PostgreSQL: `bigint` for epoch seconds (SQLite
 * gives it INTEGER affinity), `text` for ids and JSON, `integer` for 0/1
 * flags and small counts, and no auto-increment (its syntax differs). Never
 * edit a migration that has shipped; add the next one.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type */
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('username', 'text', (col) => col.notNull().unique())
      .addColumn('display_name', 'text')
      .addColumn('email', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('disabled', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('factors')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('method', 'text', (col) => col.notNull())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('secret', 'text')
      .addColumn('last_used_step', 'bigint')
      .addColumn('confirmed_at', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute();
    await db.schema.createIndex('factors_user_id').on('factors').column('user_id').execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('event_count', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

    await db.schema
      .createTable('auth_events')
      .addColumn('session_id', 'text', (col) => col.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('method', 'text', (col) => col.notNull())
      .addColumn('at', 'bigint', (col) => col.notNull())
      .addColumn('authenticator_id', 'text')
      .addColumn('user_verified', 'integer')
      .addColumn('backed_up', 'integer')
      .addPrimaryKeyConstraint('auth_events_pk', ['session_id', 'seq'])
      .execute();
    await db.schema.createIndex('auth_events_user_id').on('auth_events').column('user_id').execute();

    await db.schema
      .createTable('attempts')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('failures', 'integer', (col) => col.notNull())
      .addColumn('window_start', 'bigint', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (col) => col.primaryKey())
      .addColumn('alg', 'text', (col) => col.notNull())
      .addColumn('private_jwk', 'text', (col) => col.notNull())
      .addColumn('public_jwk', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('retired_at', 'bigint')
      .execute();

    await db.schema
      .createTable('clients')
      .addColumn('client_id', 'text', (col) => col.primaryKey())
      .addColumn('metadata', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('oidc_models')
      .addColumn('model', 'text', (col) => col.notNull())
      .addColumn('id', 'text', (col) => col.notNull())
      .addColumn('payload', 'text', (col) => col.notNull())
      .addColumn('grant_id', 'text')
      .addColumn('user_code', 'text')
      .addColumn('uid', 'text')
      .addColumn('expires_at', 'bigint')
      .addColumn('consumed_at', 'bigint')
      .addPrimaryKeyConstraint('oidc_models_pk', ['model', 'id'])
      .execute();
    for (const column of ['grant_id', 'user_code', 'uid']) {
      await db.schema.createIndex(`oidc_models_${column}`).on('oidc_models').columns(['model', column]).execute();
    }
    await db.schema.createIndex('oidc_models_expires_at').on('oidc_models').column('expires_at').execute();
  },

  async down(db: AnyDb): Promise<void> {
    // Children before parents, or the foreign keys refuse the drop.
    for (const table of ['oidc_models', 'clients', 'signing_keys', 'attempts', 'auth_events', 'sessions', 'factors', 'users']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/**
 * Every migration, keyed by name; Kysely runs them in name order, so names
 * start with a zero-padded number.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
};
