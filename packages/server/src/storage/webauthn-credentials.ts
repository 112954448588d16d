import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { WebauthnCredentialsTable } from './schema.js';

/** What verifying a WebAuthn credential's assertions needs, and what the account page shows. */
export interface WebauthnCredential {
  readonly factorId: string;
  readonly userId: string;
  /** base64url, as browsers report it. */
  readonly credentialId: string;
  /** base64url COSE public key. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly aaguid: string;
  /** `singleDevice` (device-bound) or `multiDevice` (may be synced). */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  /** User verification (PIN, biometric) happened at registration. */
  readonly userVerified: boolean;
  /** Discoverable (a passkey): usable to sign in without a username. */
  readonly discoverable: boolean;
}

function toCredential(row: Selectable<WebauthnCredentialsTable>): WebauthnCredential {
  return {
    factorId: row.factor_id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: row.counter,
    transports: JSON.parse(row.transports) as string[],
    aaguid: row.aaguid,
    deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backupEligible: row.backup_eligible !== 0,
    backedUp: row.backed_up !== 0,
    userVerified: row.user_verified !== 0,
    discoverable: row.discoverable !== 0,
  };
}

/**
 * Stores a registered credential beside its factor row.
 *
 * @param db - database (or a transaction)
 * @param credential - the verified registration
 */
export async function insertWebauthnCredential(db: Db, credential: WebauthnCredential): Promise<void> {
  await db
    .insertInto('webauthn_credentials')
    .values({
      factor_id: credential.factorId,
      user_id: credential.userId,
      credential_id: credential.credentialId,
      public_key: credential.publicKey,
      counter: credential.counter,
      transports: JSON.stringify(credential.transports),
      aaguid: credential.aaguid,
      device_type: credential.deviceType,
      backup_eligible: credential.backupEligible ? 1 : 0,
      backed_up: credential.backedUp ? 1 : 0,
      user_verified: credential.userVerified ? 1 : 0,
      discoverable: credential.discoverable ? 1 : 0,
    })
    .execute();
}

/**
 * A user's credentials of confirmed factors.
 *
 * @param db - database
 * @param userId - owner
 */
export async function listWebauthnCredentials(db: Db, userId: string): Promise<WebauthnCredential[]> {
  const rows = await db.selectFrom('webauthn_credentials').selectAll().where('user_id', '=', userId).orderBy('factor_id').execute();
  return rows.map(toCredential);
}

/**
 * The credential with a browser-reported id, whoever owns it.
 *
 * @param db - database
 * @param credentialId - base64url id
 */
export async function findWebauthnCredential(db: Db, credentialId: string): Promise<WebauthnCredential | undefined> {
  const row = await db.selectFrom('webauthn_credentials').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
  return row && toCredential(row);
}

/**
 * Records a verified assertion: the new signature counter and backup state.
 * The counter must move forward (or stay 0 for authenticators that keep
 * none); the condition sits in the UPDATE, so two nodes cannot both accept
 * assertions with the same counter.
 *
 * @param db - database
 * @param input - the credential's factor, the assertion's counter and backup state
 * @returns false when the counter did not move forward: a possible clone
 */
export async function advanceSignatureCounter(db: Db, input: { factorId: string; counter: number; backedUp: boolean }): Promise<boolean> {
  const result = await db
    .updateTable('webauthn_credentials')
    .set({ counter: input.counter, backed_up: input.backedUp ? 1 : 0 })
    .where('factor_id', '=', input.factorId)
    .where('counter', input.counter === 0 ? '=' : '<', input.counter)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
