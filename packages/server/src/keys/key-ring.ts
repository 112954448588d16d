import { errors } from 'jose';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../storage/database.js';
import { replaceProviderKeys } from './provider-keys.js';
import { KEY_REFRESH_SECONDS, KEY_SET_MAX_AGE_SECONDS, loadSigningKeys, type LoadedSigningKey } from './signing-keys.js';
import { createTokenKeys, type TokenKeys } from './token-keys.js';

/** A token whose key this node does not know triggers a reload, at most this often. */
const KID_MISS_RELOAD_SECONDS = 10;

/** One node's signing keys, reloaded from the database so a rotation reaches it without a restart. */
export interface KeyRing {
  /** Signs and verifies with the current keys (reloading first when they are too old). */
  readonly tokenKeys: TokenKeys;
  /** The keys as last loaded, the active one first. */
  keys(): readonly LoadedSigningKey[];
  /** Reloads now; concurrent calls share one load. */
  refresh(): Promise<void>;
  /** Reloads when the keys were loaded `KEY_SET_MAX_AGE_SECONDS` ago or more; throws if that fails. */
  ensureFresh(): Promise<void>;
  /**
   * Keeps an oidc-provider on this ring's keys: each reload replaces its
   * keystore, and every request it serves (tokens, `/jwks`) waits for
   * {@link KeyRing.ensureFresh} first.
   */
  attach(provider: Provider): void;
  /** Reloads every `KEY_REFRESH_SECONDS` until {@link KeyRing.close}. */
  start(): void;
  close(): void;
}

/** What a key ring needs. */
export interface KeyRingOptions {
  readonly db: Db;
  readonly box: SecretBox;
  /** The longest token lifetime plus clock skew (`signingKeyGrace`). */
  readonly graceSeconds: number;
  readonly logger: Logger;
  /** Seconds since the epoch. */
  readonly now: () => number;
}

/**
 * Loads this node's signing keys and keeps them current. The node never
 * signs, nor serves its JWKS, from a key set loaded more than
 * `KEY_SET_MAX_AGE_SECONDS` ago, and each load reports the key it signs
 * with; that is what lets `loadSigningKeys` delete a retired key only once
 * the last node has stopped signing with it (see signing-keys.ts).
 *
 * @param options - database, secret box, grace, logger, clock
 * @example
 * ```ts
 * const ring = await createKeyRing({ db, box, graceSeconds: signingKeyGrace(config), logger, now: epochSeconds });
 * ring.attach(createProvider(services, ring.keys()));
 * ring.start();
 * ```
 */
export async function createKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const { db, box, graceSeconds, logger, now } = options;
  const load = async () => {
    const at = now();
    const keys = await loadSigningKeys(db, box, at, graceSeconds);
    return { at, keys, tokenKeys: await createTokenKeys(keys) };
  };
  let current = await load();
  let inFlight: Promise<void> | undefined;
  let lastKidMissReload = -Infinity;
  const providers: Provider[] = [];
  let timer: NodeJS.Timeout | undefined;

  const refresh = (): Promise<void> => {
    inFlight ??= load()
      .then((next) => {
        const changed = next.keys.map((key) => `${key.kid}:${key.state}`).join() !== current.keys.map((key) => `${key.kid}:${key.state}`).join();
        current = next;
        if (changed) {
          for (const provider of providers) replaceProviderKeys(provider, next.keys);
          logger.info({ signingKid: next.tokenKeys.signingKid(), published: next.keys.map((key) => key.kid) }, 'signing keys reloaded');
        }
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const ensureFresh = async (): Promise<void> => {
    if (now() - current.at >= KEY_SET_MAX_AGE_SECONDS) await refresh();
  };

  const tokenKeys: TokenKeys = {
    signingKid: () => current.tokenKeys.signingKid(),
    async sign(claims, typ) {
      await ensureFresh();
      return current.tokenKeys.sign(claims, typ);
    },
    async verify(token, verifyOptions) {
      try {
        return await current.tokenKeys.verify(token, verifyOptions);
      } catch (error) {
        // Another node may already sign with a key this one has not loaded.
        if (!(error instanceof errors.JWKSNoMatchingKey) || now() - lastKidMissReload < KID_MISS_RELOAD_SECONDS) throw error;
        lastKidMissReload = now();
        await refresh();
        return current.tokenKeys.verify(token, verifyOptions);
      }
    },
  };

  return {
    tokenKeys,
    keys: () => current.keys,
    refresh,
    ensureFresh,
    attach(provider) {
      providers.push(provider);
      provider.use(async (_ctx, next) => {
        await ensureFresh();
        await next();
      });
    },
    start() {
      timer ??= setInterval(() => {
        refresh().catch((error: unknown) => logger.warn({ err: error }, 'signing keys could not be reloaded; retrying'));
      }, KEY_REFRESH_SECONDS * 1000).unref();
    },
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
