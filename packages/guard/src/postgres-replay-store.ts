import { ConfigError } from '@stepwise/core';
import type { ReplayStore } from './replay-store.js';

/**
 * The part of a `pg` `Pool` (or `Client`) the store uses, so that the guard
 * does not depend on `pg`.
 */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
}

/** Where and how often the store keeps its table tidy. */
export interface PostgresReplayStoreOptions {
  /** Table name, optionally schema-qualified (`auth.used_tokens`); default `stepwise_used_tokens`. */
  readonly table?: string;
  /** Least seconds between two deletions of expired rows; default 60. */
  readonly cleanupIntervalSeconds?: number;
  /** Clock in epoch seconds; default the real one. */
  readonly now?: () => number;
}

// Unquoted PostgreSQL identifiers, short enough to take the index suffix within 63 bytes.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * A {@link ReplayStore} in one PostgreSQL table that every API node shares:
 * a token used on one node is refused on all. The primary key makes
 * `INSERT … ON CONFLICT DO NOTHING` the atomic first-use test, across nodes
 * and connections; expired rows are deleted now and then. Give the pool an
 * `error` listener, as for any `pg` pool: an idle connection the server
 * ends (a restart, a failover) is otherwise an uncaught exception.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const replayStore = new PostgresReplayStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * await replayStore.ensureTable();
 * const guard = createGuard({ issuer, audience, replayStore });
 * ```
 */
export class PostgresReplayStore implements ReplayStore {
  private readonly table: string;
  private readonly index: string;
  private readonly intervalSeconds: number;
  private readonly now: () => number;
  private lastCleanup: number;

  /**
   * @param pool - a `pg` Pool or anything with its `query`
   * @param options - table name and cleanup interval
   * @throws {@link ConfigError} for a table name that is not a plain identifier
   */
  constructor(private readonly pool: PostgresQueryable, options: PostgresReplayStoreOptions = {}) {
    const table = options.table ?? 'stepwise_used_tokens';
    const parts = table.split('.');
    if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
      throw new ConfigError('guard replay store table', `must be a lower-case identifier, optionally schema.table, got ${JSON.stringify(table)}`);
    }
    const interval = options.cleanupIntervalSeconds ?? 60;
    if (!(Number.isFinite(interval) && interval >= 0)) {
      throw new ConfigError('guard replay store cleanupIntervalSeconds', `must be a number of seconds, 0 or more, got ${String(interval)}`);
    }
    this.table = table;
    this.index = `${parts.at(-1)!}_expires_at_idx`;
    this.intervalSeconds = interval;
    this.now = options.now ?? (() => Date.now() / 1000);
    this.lastCleanup = this.now();
  }

  /**
   * Creates the table and its expiry index if they do not exist.
   *
   * @example
   * ```ts
   * await store.ensureTable();
   * ```
   */
  async ensureTable(): Promise<void> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.table} (jti text PRIMARY KEY, expires_at bigint NOT NULL)`);
    await this.pool.query(`CREATE INDEX IF NOT EXISTS ${this.index} ON ${this.table} (expires_at)`);
  }

  /**
   * @param jti - the token's id
   * @param expiresAt - epoch seconds after which the row may be deleted
   * @returns whether this node, or any other, saw the `jti` first now
   * @example
   * ```ts
   * await store.firstUse(claims.jti, claims.exp); // true once, then false on every node
   * ```
   */
  async firstUse(jti: string, expiresAt: number): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO ${this.table} (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING`,
      [jti, Math.ceil(expiresAt)],
    );
    const now = this.now();
    if (now - this.lastCleanup >= this.intervalSeconds) {
      this.lastCleanup = now;
      // In the background: a failed cleanup must not fail the request, and the next one retries.
      this.deleteExpired().catch(() => undefined);
    }
    return result.rowCount === 1;
  }

  /**
   * Deletes the rows of tokens that can no longer be accepted.
   *
   * @returns how many rows were deleted
   * @example
   * ```ts
   * setInterval(() => void store.deleteExpired(), 3_600_000);
   * ```
   */
  async deleteExpired(): Promise<number> {
    const result = await this.pool.query(`DELETE FROM ${this.table} WHERE expires_at < $1`, [Math.floor(this.now())]);
    return result.rowCount ?? 0;
  }
}
