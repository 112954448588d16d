import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

/** How long past its expiry a ceremony row is kept, counted from a new ceremony's expiry. */
const CEREMONY_RETENTION_SECONDS = 3600;

/** What a WebAuthn challenge was issued for. */
export type CeremonyPurpose = 'register' | 'step-up' | 'sign-in';

/** A consumed ceremony: whose it was and the challenge it carried. */
export interface Ceremony {
  readonly id: string;
  readonly userId: string | null;
  readonly purpose: CeremonyPurpose;
  readonly challenge: string;
}

/**
 * Stores a WebAuthn challenge for one use. The id goes to the browser in the
 * page; the challenge stays here, so no cookie or session has to carry it
 * and any node can finish a ceremony another started. Every sign-in page
 * makes one, so each new ceremony deletes those that expired more than an
 * hour before it will.
 *
 * @param db - database
 * @param input - owner (null for passkey sign-in), purpose, challenge, expiry
 * @returns the ceremony id
 */
export async function createCeremony(
  db: Db,
  input: { userId: string | null; purpose: CeremonyPurpose; challenge: string; expiresAt: number },
): Promise<string> {
  const id = randomBytes(18).toString('base64url');
  await db.deleteFrom('ceremonies').where('expires_at', '<', input.expiresAt - CEREMONY_RETENTION_SECONDS).execute();
  await db
    .insertInto('ceremonies')
    .values({ id, user_id: input.userId, purpose: input.purpose, challenge: input.challenge, expires_at: input.expiresAt, consumed_at: null })
    .execute();
  return id;
}

/**
 * Takes a ceremony for its one use: atomic, so of two answers to one
 * challenge (two tabs, a replay, two nodes) only one gets it.
 *
 * @param db - database
 * @param input - the id from the page, the purpose expected, now in seconds
 * @returns the ceremony, or undefined when unknown, expired, used, or for another purpose
 */
export async function consumeCeremony(
  db: Db,
  input: { id: string; purpose: CeremonyPurpose; now: number },
): Promise<Ceremony | undefined> {
  const result = await db
    .updateTable('ceremonies')
    .set({ consumed_at: input.now })
    .where('id', '=', input.id)
    .where('purpose', '=', input.purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', input.now)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return undefined;
  const row = await db.selectFrom('ceremonies').selectAll().where('id', '=', input.id).executeTakeFirstOrThrow();
  return { id: row.id, userId: row.user_id, purpose: row.purpose as CeremonyPurpose, challenge: row.challenge };
}
