import { ConfigError } from '@stepwise/core';
import { ReplayStoreFullError } from './errors.js';

/**
 * Remembers the `jti` of every bound token accepted, so each is accepted
 * once. Several API nodes must share one store (see `PostgresReplayStore`),
 * or a token refused on one node is accepted on another.
 *
 * @example
 * ```ts
 * const store: ReplayStore = { firstUse: async (jti, expiresAt) => redisSetNx(`jti:${jti}`, expiresAt) };
 * ```
 */
export interface ReplayStore {
  /**
   * Records a use, atomically: of concurrent calls with one `jti`, exactly
   * one resolves `true`.
   *
   * @param jti - the token's id
   * @param expiresAt - epoch seconds after which the token can no longer be accepted, so the entry may be forgotten
   * @returns `true` the first time, `false` ever after (until `expiresAt`)
   */
  firstUse(jti: string, expiresAt: number): Promise<boolean>;
}

/** Bounds of a {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Unexpired entries it holds at most; past that it refuses uses. Default 100,000. */
  readonly maxEntries?: number;
  /** Size at which it first sweeps expired entries; default 1,000. */
  readonly sweepAt?: number;
  /** Clock in epoch seconds; default the real one. */
  readonly now?: () => number;
}

/**
 * A {@link ReplayStore} in this process's memory, for a single API node.
 * Memory stays bounded: expired entries are swept whenever the map has
 * doubled since the last sweep, and past `maxEntries` live entries it throws
 * {@link ReplayStoreFullError} (429) rather than forget one that could then be
 * replayed.
 *
 * @example
 * ```ts
 * const guard = createGuard({ issuer, audience, replayStore: new MemoryReplayStore({ maxEntries: 50_000 }) });
 * ```
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly used = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly sweepAt: number;
  private readonly now: () => number;
  private nextSweep: number;
  private lastFullSweep = Number.NEGATIVE_INFINITY;

  /** @param options - bounds and clock */
  constructor(options: MemoryReplayStoreOptions = {}) {
    this.maxEntries = count(options.maxEntries, 100_000, 'maxEntries');
    this.sweepAt = Math.min(count(options.sweepAt, 1_000, 'sweepAt'), this.maxEntries);
    this.now = options.now ?? (() => Date.now() / 1000);
    this.nextSweep = this.sweepAt;
  }

  /** Entries held now, expired ones not yet swept included. */
  get size(): number {
    return this.used.size;
  }

  /**
   * @param jti - the token's id
   * @param expiresAt - epoch seconds after which the entry may be forgotten
   * @returns whether this is the first use
   * @throws {@link ReplayStoreFullError} when `maxEntries` unexpired entries are held
   * @example
   * ```ts
   * await store.firstUse('jti-1', exp); // true
   * await store.firstUse('jti-1', exp); // false
   * ```
   */
  async firstUse(jti: string, expiresAt: number): Promise<boolean> {
    // Until swept, an entry counts even if expired: the token is refused as expired anyway.
    if (this.used.has(jti)) return false;
    if (this.used.size >= this.nextSweep) this.sweepIfDue();
    if (this.used.size >= this.maxEntries) throw new ReplayStoreFullError(this.maxEntries);
    this.used.set(jti, expiresAt);
    return true;
  }

  /**
   * Forgets the entries whose `expiresAt` has passed.
   *
   * @returns how many were forgotten
   * @example
   * ```ts
   * store.sweep(); // 12
   * ```
   */
  sweep(): number {
    const now = this.now();
    const before = this.used.size;
    for (const [jti, expiresAt] of this.used) if (expiresAt < now) this.used.delete(jti);
    // Doubling keeps the sweeps' cost constant per use, amortised.
    this.nextSweep = Math.min(this.maxEntries, Math.max(this.sweepAt, this.used.size * 2));
    return before - this.used.size;
  }

  private sweepIfDue(): void {
    if (this.used.size < this.maxEntries) {
      this.sweep();
      return;
    }
    // Full of live entries: scan at most once a second, not on every refused use.
    const now = this.now();
    if (now - this.lastFullSweep < 1) return;
    this.lastFullSweep = now;
    this.sweep();
  }
}

function count(value: number | undefined, fallback: number, key: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value > 0)) throw new ConfigError(`guard replay store ${key}`, `must be a whole number above 0, got ${String(value)}`);
  return value;
}
