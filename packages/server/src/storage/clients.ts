import type { Selectable } from 'kysely';
import { SimpleError } from '@stepwise/core';
import { isUniqueViolation } from './database.js';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';
import type { ClientsTable } from './schema.js';

/** An OpenID Connect client registration. */
export interface ClientRecord {
  clientId: string;
  /** oidc-provider client metadata, `client_id` included. */
  metadata: Record<string, unknown>;
  createdAt: number;
}

/** Client metadata as oidc-provider takes it; `client_id` is required. */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

function toClient(row: Selectable<ClientsTable>): ClientRecord {
  return { clientId: row.client_id, metadata: JSON.parse(row.metadata) as Record<string, unknown>, createdAt: row.created_at };
}

/**
 * Registers a new client.
 *
 * @param db - database
 * @param metadata - client metadata
 * @param now - seconds
 * @throws SimpleError `ERR_CLIENT_EXISTS` when `client_id` is taken
 * @example
 * ```ts
 * await insertClient(db, { client_id: 'bank', redirect_uris: ['https://bank.example/cb'] }, now);
 * ```
 */
export async function insertClient(db: Db, metadata: ClientMetadata, now: number): Promise<ClientRecord> {
  const row = { client_id: metadata.client_id, metadata: JSON.stringify(metadata), created_at: now };
  try {
    await db.insertInto('clients').values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new SimpleError('ERR_CLIENT_EXISTS');
    throw err;
  }
  return toClient(row);
}

/**
 * Registers a client or replaces its metadata, keeping its first `createdAt`;
 * used for clients declared in configuration, applied at every start.
 *
 * @param db - database
 * @param metadata - client metadata
 * @param now - seconds; becomes `createdAt` only for a new client
 */
export async function upsertClient(db: Db, metadata: ClientMetadata, now: number): Promise<ClientRecord> {
  const row = await db
    .insertInto('clients')
    .values({ client_id: metadata.client_id, metadata: JSON.stringify(metadata), created_at: now })
    .onConflict((oc) => oc.column('client_id').doUpdateSet((eb) => ({ metadata: eb.ref('excluded.metadata') })))
    .returningAll()
    .executeTakeFirstOrThrow();
  return toClient(row);
}

/**
 * Finds a client.
 *
 * @param db - database
 * @param clientId - `client_id`
 */
export async function findClient(db: Db, clientId: string): Promise<ClientRecord | undefined> {
  const [row] = (await clientById.execute(db, clientId)).rows;
  return row && toClient(row);
}

/** Read on every token request (see prepared-query.ts). */
const clientById = prepareQuery((db: Db, clientId: string) => db.selectFrom('clients').selectAll().where('client_id', '=', clientId));

/**
 * Every client, by `client_id`.
 *
 * @param db - database
 */
export async function listClients(db: Db): Promise<ClientRecord[]> {
  const rows = await db.selectFrom('clients').selectAll().orderBy('client_id').execute();
  return rows.map(toClient);
}

/**
 * Removes a client.
 *
 * @param db - database
 * @param clientId - `client_id`
 * @returns whether a client was removed
 */
export async function deleteClient(db: Db, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
