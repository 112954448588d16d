import type { Kysely, Migration } from 'kysely';
import { decisionsMigration } from './migration-0003-decisions.js';
import { transactionsMigration } from './migration-0004-transactions.js';
import { auditMigration } from './migration-0005-audit.js';
import { rateLimitsMigration } from './migration-0006-rate-limits.js';
import { keyActivationMigration } from './migration-0007-key-activation.js';
import { auditLeaseMigration } from './migration-0008-audit-lease.js';

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

/*
 * Factors beyond TOTP: WebAuthn credentials, emailed and texted codes,
 * recovery codes, the ceremonies that bind a WebAuthn challenge to one
 * use, and the development outbox.
 */
const moreFactors: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema.alterTable('users').addColumn('phone', 'text').execute();
    await db.schema.alterTable('users').addColumn('preferred_method', 'text').execute();
    // Where an email_otp or sms_otp factor sends its codes.
    await db.schema.alterTable('factors').addColumn('destination', 'text').execute();

    await db.schema
      .createTable('webauthn_credentials')
      .addColumn('factor_id', 'text', (col) => col.primaryKey().references('factors.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('credential_id', 'text', (col) => col.notNull().unique())
      .addColumn('public_key', 'text', (col) => col.notNull())
      .addColumn('counter', 'bigint', (col) => col.notNull())
      .addColumn('transports', 'text', (col) => col.notNull())
      .addColumn('aaguid', 'text', (col) => col.notNull())
      .addColumn('device_type', 'text', (col) => col.notNull())
      .addColumn('backup_eligible', 'integer', (col) => col.notNull())
      .addColumn('backed_up', 'integer', (col) => col.notNull())
      .addColumn('user_verified', 'integer', (col) => col.notNull())
      .addColumn('discoverable', 'integer', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('webauthn_credentials_user_id').on('webauthn_credentials').column('user_id').execute();

    await db.schema
      .createTable('ceremonies')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.references('users.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (col) => col.notNull())
      .addColumn('challenge', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('consumed_at', 'bigint')
      .execute();
    await db.schema.createIndex('ceremonies_expires_at').on('ceremonies').column('expires_at').execute();

    await db.schema
      .createTable('one_time_codes')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('factor_id', 'text', (col) => col.notNull().references('factors.id').onDelete('cascade'))
      .addColumn('challenge_key', 'text', (col) => col.notNull())
      .addColumn('code_hash', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('consumed_at', 'bigint')
      .execute();
    await db.schema.createIndex('one_time_codes_challenge').on('one_time_codes').columns(['challenge_key', 'user_id']).execute();
    await db.schema.createIndex('one_time_codes_expires_at').on('one_time_codes').column('expires_at').execute();

    await db.schema
      .createTable('recovery_codes')
      .addColumn('factor_id', 'text', (col) => col.notNull().references('factors.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('code_hash', 'text', (col) => col.notNull())
      .addColumn('used_at', 'bigint')
      .addPrimaryKeyConstraint('recovery_codes_pk', ['factor_id', 'seq'])
      .execute();

    await db.schema
      .createTable('outbox')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('channel', 'text', (col) => col.notNull())
      .addColumn('destination', 'text', (col) => col.notNull())
      .addColumn('subject', 'text', (col) => col.notNull())
      .addColumn('body', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('outbox_created_at').on('outbox').column('created_at').execute();
  },

  async down(db: AnyDb): Promise<void> {
    for (const table of ['outbox', 'recovery_codes', 'one_time_codes', 'ceremonies', 'webauthn_credentials']) {
      await db.schema.dropTable(table).execute();
    }
    await db.schema.alterTable('factors').dropColumn('destination').execute();
    await db.schema.alterTable('users').dropColumn('preferred_method').execute();
    await db.schema.alterTable('users').dropColumn('phone').execute();
  },
};

/**
 * Every migration, keyed by name; Kysely runs them in name order, so names
 * start with a zero-padded number.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '0002_more_factors': moreFactors,
  '0003_decisions': decisionsMigration,
  '0004_transactions': transactionsMigration,
  '0005_audit': auditMigration,
  '0006_rate_limits': rateLimitsMigration,
  '0007_key_activation': keyActivationMigration,
  '0008_audit_lease': auditLeaseMigration,
};
