import { ConfigError } from '@stepwise/core';
import type { ReplayStore } from './replay-store.js';

/** Asymmetric algorithms only: `none` and HMAC (a shared secret) are never accepted. */
export const DEFAULT_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'] as const;

/** How a guard is set up. Only `issuer` and `audience` are required. */
export interface GuardOptions {
  /** The Stepwise issuer URL; discovery is read from `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** This API's resource indicator(s): the token's `aud` must contain one. */
  readonly audience: string | readonly string[];
  /** Accepted signature algorithms; default {@link DEFAULT_ALGORITHMS}. */
  readonly algorithms?: readonly string[];
  /** Leeway for `exp`, `nbf` and freshness, in seconds; default 5. */
  readonly clockToleranceSeconds?: number;
  /** Least time between JWKS fetches caused by an unknown key id; default 30 s. */
  readonly jwksCooldownSeconds?: number;
  /** Age after which discovery and keys are refreshed in the background; default 600 s. */
  readonly cacheMaxAgeSeconds?: number;
  /** Time limit of one fetch to the issuer; default 5 s. */
  readonly fetchTimeoutSeconds?: number;
  /** `realm` of the challenges; none by default. */
  readonly realm?: string;
  /** Level ranks for issuers that do not publish `stepwise_acr_ranks`. */
  readonly acrRanks?: Readonly<Record<string, number>>;
  /** Level lifetimes (seconds) for issuers that do not publish `stepwise_acr_lifetimes`. */
  readonly acrLifetimes?: Readonly<Record<string, number>>;
  /** The fetch to reach the issuer with; default the global one. */
  readonly fetch?: typeof fetch;
  /** Clock in epoch seconds, for tests. */
  readonly now?: () => number;
  /**
   * Where the `jti` of accepted bound tokens and receipts is remembered, so
   * each is accepted once; default a `MemoryReplayStore` of this guard.
   * API nodes behind one load balancer must share one (`PostgresReplayStore`).
   */
  readonly replayStore?: ReplayStore;
}

/**
 * A setting in seconds.
 *
 * @param value - as configured
 * @param fallback - the default
 * @param key - its name, for the error
 * @throws {@link ConfigError} unless finite and 0 or more
 * @example
 * ```ts
 * positive(options.clockToleranceSeconds, 5, 'clockToleranceSeconds');
 * ```
 */
export function positive(value: number | undefined, fallback: number, key: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0)) throw new ConfigError(`guard ${key}`, `must be a number of seconds, 0 or more, got ${String(value)}`);
  return value;
}

/**
 * The accepted algorithms, refusing `none` and HMAC.
 *
 * @param algorithms - as configured
 * @throws {@link ConfigError} for an empty list, `none` or `HS*`
 * @example
 * ```ts
 * checkAlgorithms(['ES256']); // ['ES256']
 * ```
 */
export function checkAlgorithms(algorithms: readonly string[]): readonly string[] {
  if (algorithms.length === 0) throw new ConfigError('guard algorithms', 'must list at least one algorithm');
  for (const alg of algorithms) {
    // A public key used as an HMAC secret forges any token (the classic alg confusion).
    if (alg === 'none' || /^HS/i.test(alg)) {
      throw new ConfigError('guard algorithms', `"${alg}" is refused: only asymmetric signature algorithms verify access tokens`);
    }
  }
  return [...algorithms];
}
