import type { StepwiseConfig } from '../config/schema.js';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../storage/database.js';
import {
  deleteSigningKey,
  insertSigningKey,
  listSigningKeys,
  recordKeySigning,
  retireSigningKey,
  type SigningKeyRecord,
} from '../storage/signing-keys.js';

/*
 * Rotation across several nodes, in three clocks:
 *
 * 1. Every node reloads its keys from the database every
 *    KEY_REFRESH_SECONDS, and never signs or serves its JWKS from a key set
 *    older than KEY_SET_MAX_AGE_SECONDS (it reloads first; see key-ring.ts).
 * 2. `rotate` inserts the new key with `activates_at` KEY_ACTIVATION_DELAY_SECONDS
 *    ahead. Until then every node publishes it but none signs with it, so by
 *    the time any node signs with it every node's JWKS lists it.
 * 3. Each load records the key the node will sign with in
 *    `last_signed_at` (the time only moves forward). A node signs with a key
 *    at most KEY_SET_MAX_AGE_SECONDS after such a report, so a key that is no
 *    longer the signer is deleted only after
 *    `last_signed_at + KEY_SET_MAX_AGE_SECONDS + grace` (grace: the longest
 *    token lifetime plus a minute of clock skew). That counts from when the
 *    last node stopped signing with it, not from the rotation.
 */

/** Tokens are signed with ES256 only (RFC 7518 P-256). */
export const SIGNING_ALG = 'ES256';

/** How often every node reloads its signing keys. */
export const KEY_REFRESH_SECONDS = 60;

/** A node reloads before signing or publishing from a key set older than this. */
export const KEY_SET_MAX_AGE_SECONDS = 2 * KEY_REFRESH_SECONDS;

/** How long a rotated-in key is published before it signs: every node has loaded it by then, with a minute of clock skew. */
export const KEY_ACTIVATION_DELAY_SECONDS = KEY_SET_MAX_AGE_SECONDS + 60;

/** `active` signs; `pending` is published ahead of its activation; `retired` is published for the tokens it signed. */
export type SigningKeyState = 'active' | 'pending' | 'retired';

/** A key as oidc-provider's `jwks` option wants it, plus its state. */
export interface LoadedSigningKey {
  readonly kid: string;
  /** The private JWK; `key_ops: ['verify']` unless the key is active. */
  readonly jwk: JWK;
  /** True for the one key that signs. */
  readonly active: boolean;
  readonly state: SigningKeyState;
  readonly createdAt: number;
  readonly activatesAt: number;
  readonly retiredAt: number | null;
  /** For a retired key, the earliest time it may be deleted (later if a node still reports signing with it); otherwise `null`. */
  readonly publishedUntil: number | null;
}

function sealContext(kid: string): string {
  return `signing-key:${kid}`;
}

/**
 * Creates a new ES256 key pair and stores it, the private half encrypted.
 *
 * @param db - database
 * @param box - secret box for the private key
 * @param now - seconds since the epoch
 * @param activatesAt - from when it may sign (default: now)
 * @returns the key id (its RFC 7638 thumbprint)
 * @example
 * ```ts
 * const kid = await createSigningKey(db, box, now);
 * ```
 */
export async function createSigningKey(db: Db, box: SecretBox, now: number, activatesAt = now): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  const record: SigningKeyRecord = {
    kid,
    alg: SIGNING_ALG,
    privateJwk: box.seal(JSON.stringify(privateJwk), sealContext(kid)),
    publicJwk: { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' },
    createdAt: now,
    retiredAt: null,
    activatesAt,
  };
  await insertSigningKey(db, record);
  return kid;
}

/**
 * Adds a new key that every node publishes at once and signs with from
 * `activatesAt` (KEY_ACTIVATION_DELAY_SECONDS from now); the keys signing
 * until then retire at that moment. No restart is needed: nodes pick it up
 * at their next reload. A retired key stays published until every node has
 * stopped signing with it and its last token has expired.
 *
 * @param db - database
 * @param box - secret box
 * @param now - seconds since the epoch
 * @returns the new key id, when it starts signing, and the ids it retires
 * @example
 * ```ts
 * const { kid, activatesAt } = await rotateSigningKey(db, box, Math.floor(Date.now() / 1000));
 * ```
 */
export async function rotateSigningKey(db: Db, box: SecretBox, now: number): Promise<{ kid: string; activatesAt: number; retired: string[] }> {
  const existing = await listSigningKeys(db);
  const activatesAt = now + KEY_ACTIVATION_DELAY_SECONDS;
  const kid = await createSigningKey(db, box, now, activatesAt);
  const retired: string[] = [];
  for (const key of existing) {
    if (key.retiredAt === null) {
      await retireSigningKey(db, key.kid, activatesAt);
      retired.push(key.kid);
    }
  }
  return { kid, activatesAt, retired };
}

type StoredKey = Awaited<ReturnType<typeof listSigningKeys>>[number];

/** The newest key whose activation has come and whose retirement has not. */
function signerOf(records: readonly StoredKey[], now: number): StoredKey | undefined {
  let signer: StoredKey | undefined;
  for (const record of records) {
    const usable = record.activatesAt <= now && (record.retiredAt === null || record.retiredAt > now);
    if (usable && (!signer || record.activatesAt > signer.activatesAt)) signer = record;
  }
  return signer;
}

/** When a key that no longer signs may be deleted. */
function deletableAt(record: StoredKey, graceSeconds: number): number {
  const lastUse = Math.max(record.lastSignedAt ?? 0, record.retiredAt ?? 0, record.activatesAt);
  return lastUse + KEY_SET_MAX_AGE_SECONDS + graceSeconds;
}

/**
 * Loads the keys to sign with and to publish: the active key first (it
 * signs), then pending and retired keys, marked verify-only so
 * oidc-provider never signs with them. Records that this node signs with
 * the active key as of `now` (see the rotation notes above), creates the
 * first key when none can sign, and deletes keys nobody can need any more.
 *
 * @param db - database
 * @param box - secret box
 * @param now - seconds since the epoch
 * @param graceSeconds - the longest token lifetime plus clock skew (`signingKeyGrace`)
 * @param options - `readOnly` for listings: no report of signing and no
 *   deletion (the first key is still created when none can sign)
 * @example
 * ```ts
 * const [signer, ...published] = await loadSigningKeys(db, box, now, signingKeyGrace(config));
 * ```
 */
export async function loadSigningKeys(
  db: Db,
  box: SecretBox,
  now: number,
  graceSeconds: number,
  options: { readOnly?: boolean } = {},
): Promise<LoadedSigningKey[]> {
  const readOnly = options.readOnly ?? false;
  let records = await listSigningKeys(db);
  if (!signerOf(records, now)) {
    await createSigningKey(db, box, now);
    records = await listSigningKeys(db);
  }
  const signer = signerOf(records, now);
  // Before the key set is used: the report must precede every signature it covers.
  if (signer && !readOnly) await recordKeySigning(db, signer.kid, now);
  const loaded: LoadedSigningKey[] = [];
  for (const record of records) {
    const state: SigningKeyState = record === signer ? 'active' : record.activatesAt > now ? 'pending' : 'retired';
    if (state === 'retired' && deletableAt(record, graceSeconds) < now && !readOnly) {
      await deleteSigningKey(db, record.kid);
      continue;
    }
    const jwk = JSON.parse(box.open(record.privateJwk, sealContext(record.kid))) as JWK;
    loaded.push({
      kid: record.kid,
      jwk: state === 'active' ? jwk : { ...jwk, key_ops: ['verify'] },
      active: state === 'active',
      state,
      createdAt: record.createdAt,
      activatesAt: record.activatesAt,
      retiredAt: record.retiredAt,
      publishedUntil: state === 'retired' ? deletableAt(record, graceSeconds) : null,
    });
  }
  return loaded.sort((a, b) => Number(b.active) - Number(a.active));
}

/**
 * How long a retired signing key stays published once the last node has
 * stopped signing with it : the longest lifetime
 * of a token it may have signed, plus a minute of clock skew.
 *
 * @param config - the configuration
 */
export function signingKeyGrace(config: StepwiseConfig): number {
  return Math.max(config.tokens.accessTokenTtl, config.tokens.idTokenTtl) + 60;
}
