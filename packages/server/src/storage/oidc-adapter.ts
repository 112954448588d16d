import { deleteClient, findClient, upsertClient } from './clients.js';
import type { ClientMetadata } from './clients.js';
import { epochSeconds } from './database.js';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';

/** What oidc-provider stores for one model instance: a JSON object. */
export type AdapterPayload = Record<string, unknown>;

/**
 * The storage contract oidc-provider 9 expects from `adapter` (it ships no
 * TypeScript types). Times are seconds.
 */
export interface Adapter {
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/*
 * Every model shares one table keyed by (model, id). Rows past `expires_at`
 * count as absent, so no sweeper is needed for correctness; see
 * `pruneExpiredOidcModels` for reclaiming space. Clients are the exception:
 * they live in the `clients` table, so registrations made with clients.ts or
 * the CLI are what the provider sees.
 */
const CLIENT_MODEL = 'Client';

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/*
 * The provider reads a model on nearly every protocol request (the client,
 * a code, a refresh token, a grant, a session) and writes one on most:
 * these shapes are compiled once (see prepared-query.ts).
 */
const modelBy = (column: 'id' | 'user_code' | 'uid') => prepareQuery((db: Db, model: string, value: string, now: number) => db
  .selectFrom('oidc_models')
  .select(['payload', 'consumed_at'])
  .where('model', '=', model)
  .where(column, '=', value)
  .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])));
const MODEL_BY = { id: modelBy('id'), user_code: modelBy('user_code'), uid: modelBy('uid') };

const modelUpsert = prepareQuery((
  db: Db, model: string, id: string, payload: string, grantId: string | null, userCode: string | null, uid: string | null, expiresAt: number | null,
) => {
  // A rewritten payload is a new state; a stale consumed mark must not survive it.
  const row = { payload, grant_id: grantId, user_code: userCode, uid, expires_at: expiresAt, consumed_at: null };
  return db.insertInto('oidc_models').values({ model, id, ...row }).onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row));
});

/**
 * Builds the adapter class to pass as oidc-provider's `adapter` option.
 *
 * @param db - database shared by every model
 * @returns a class the provider instantiates once per model name
 * @example
 * ```ts
 * const provider = new Provider(issuer, { adapter: createOidcAdapter(db), ... });
 * ```
 */
export function createOidcAdapter(db: Db): new (name: string) => Adapter {
  return class KyselyOidcAdapter implements Adapter {
    constructor(readonly name: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      if (this.name === CLIENT_MODEL) {
        await upsertClient(db, { ...payload, client_id: id } as ClientMetadata, epochSeconds());
        return;
      }
      const row = {
        payload: JSON.stringify(payload),
        grant_id: stringOrNull(payload.grantId),
        user_code: stringOrNull(payload.userCode),
        uid: stringOrNull(payload.uid),
        expires_at: typeof expiresIn === 'number' ? epochSeconds() + expiresIn : null,
      };
      await modelUpsert.execute(db, this.name, id, row.payload, row.grant_id, row.user_code, row.uid, row.expires_at);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === CLIENT_MODEL) return (await findClient(db, id))?.metadata;
      return this.findWhere('id', id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('user_code', userCode);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('uid', uid);
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_models')
        .set({ consumed_at: epochSeconds() })
        .where('model', '=', this.name)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      if (this.name === CLIENT_MODEL) {
        await deleteClient(db, id);
        return;
      }
      await db.deleteFrom('oidc_models').where('model', '=', this.name).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // The provider calls this once per grantable model, so stay within ours.
      await db.deleteFrom('oidc_models').where('model', '=', this.name).where('grant_id', '=', grantId).execute();
    }

    private async findWhere(column: 'id' | 'user_code' | 'uid', value: string): Promise<AdapterPayload | undefined> {
      const [row] = (await MODEL_BY[column].execute(db, this.name, value, epochSeconds())).rows;
      if (!row) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
    }
  };
}

/**
 * Deletes expired provider rows. Optional housekeeping: `find` already
 * ignores them.
 *
 * @param db - database
 * @param now - seconds
 * @returns how many rows were deleted
 */
export async function pruneExpiredOidcModels(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('oidc_models').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
