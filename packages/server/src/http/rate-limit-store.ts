import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Logger } from 'pino';
import type { Db } from '../storage/database.js';
import { countRequest, deleteEndedRateLimits } from '../storage/rate-limits.js';

/** How often one node deletes the counters of ended windows. */
export const RATE_LIMIT_SWEEP_MS = 60_000;

/** What the store needs. */
export interface RateLimitStoreOptions {
  readonly db: Db;
  readonly logger: Logger;
  /** Epoch milliseconds; `Date.now` unless a test moves time. */
  readonly nowMs?: () => number;
}

/** The part of a route's merged rate-limit options a store sees (the published type says RouteOptions). */
interface ChildOptions {
  readonly routeInfo?: { readonly method?: string | readonly string[]; readonly url?: string };
  readonly continueExceeding?: boolean;
  readonly exponentialBackoff?: boolean;
}

/**
 * A `store` for `@fastify/rate-limit` that keeps its counts in the database
 * (`rate_limits`), so a limit holds for the whole cluster, not per node: two
 * nodes behind a load balancer allow `max` requests per window in total.
 * Each request costs one upsert; about once a minute a node also deletes
 * the counters of ended windows. Plain fixed windows only: routes asking
 * for `continueExceeding` or `exponentialBackoff` are refused at startup.
 *
 * @param options - the database and the logger
 * @returns the store class to pass as the plugin's `store` option
 * @example
 * ```ts
 * await app.register(fastifyRateLimit, { global: false, store: databaseRateLimitStore(services) });
 * ```
 */
export function databaseRateLimitStore(options: RateLimitStoreOptions): FastifyRateLimitStoreCtor {
  const nowMs = options.nowMs ?? Date.now;
  let nextSweepAt = nowMs() + RATE_LIMIT_SWEEP_MS;

  const count = async (key: string, windowMs: number) => {
    const now = nowMs();
    const { hits, resetsAt } = await countRequest(options.db, key, now, windowMs);
    if (now >= nextSweepAt) {
      nextSweepAt = now + RATE_LIMIT_SWEEP_MS;
      // A failed sweep costs only space; the request it rode on is answered all the same.
      await deleteEndedRateLimits(options.db, now).catch((error: unknown) => options.logger.warn({ err: error }, 'could not delete ended rate-limit windows'));
    }
    return { current: hits, ttl: Math.max(0, resetsAt - now) };
  };

  class DatabaseRateLimitStore implements FastifyRateLimitStore {
    /** @param prefix - the route the counts are for, so each route has its own, as with the plugin's memory store */
    constructor(private readonly prefix: string) {}

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      count(this.prefix + key, timeWindow).then((result) => callback(null, result), (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      const route = routeOptions as unknown as ChildOptions;
      if (route.continueExceeding || route.exponentialBackoff) {
        throw new Error('the database rate-limit store keeps plain fixed windows: continueExceeding and exponentialBackoff are not supported');
      }
      const methods = [route.routeInfo?.method ?? ''].flat().join(',');
      return new DatabaseRateLimitStore(`${this.prefix}${methods} ${route.routeInfo?.url ?? ''} `);
    }
  }

  return class extends DatabaseRateLimitStore {
    constructor(_options: FastifyRateLimitOptions) {
      super('');
    }
  };
}
