import type { Logger } from 'pino';
import type { AuditConfig } from '../config/audit-schema.js';
import { postSignedJson } from '../delivery/signed-post.js';
import { randomUUID } from 'node:crypto';
import { auditCursor, moveAuditCursor, readAuditEvents, releaseAuditLease, takeAuditLease } from '../storage/audit-events.js';
import type { Db } from '../storage/database.js';
import type { AuditLog } from './audit-log.js';
import { auditRecordJson } from './record-json.js';

/*
 * Operators keep a copy of the log outside the database (a SIEM, an object
 * store): whoever can rewrite the database can then still not rewrite what
 * was already delivered. Delivery follows a cursor in the database, so a
 * restart resumes where the last acknowledged batch ended.
 */

/** The header that carries the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export const AUDIT_SIGNATURE_HEADER = 'Stepwise-Signature';

/** The name of the webhook's row in `audit_cursors`. */
export const AUDIT_WEBHOOK_CURSOR = 'webhook';

/** Delivery tuning; the defaults suit production. */
export interface AuditWebhookOptions {
  /** Records per POST (default 100). */
  readonly batchSize?: number;
  /** First retry delay (default 1 s); it doubles after each failure. */
  readonly minDelayMs?: number;
  /** Longest retry delay (default 5 min). */
  readonly maxDelayMs?: number;
  /** Time limit of one POST (default 10 s). */
  readonly timeoutMs?: number;
  /** 0 ≤ x < 1, for jitter (default Math.random). */
  readonly random?: () => number;
  /**
   * How often a node looks for events other nodes committed, and whether the
   * lease holder is gone (default 2 s).
   */
  readonly pollMs?: number;
  /** How long the delivery lease lasts unless renewed (default 30 s; longer than a POST's time limit). */
  readonly leaseSeconds?: number;
}

/** The running delivery. */
export interface AuditWebhook {
  /** Delivers what the cursor has not reached yet, then follows new commits. */
  start(): void;
  /** Stops: no new POST starts, a retry wait ends, the POST in flight finishes. */
  close(): Promise<void>;
}

/**
 * The delay before retry number `failures` (1, 2, …): `minDelayMs`
 * doubling up to `maxDelayMs`, then "equal jitter" (half fixed, half
 * random) so that many nodes failing at once do not retry in step.
 *
 * @param failures - failures in a row, 1 or more
 * @param options - the bounds and the random source
 * @example
 * ```ts
 * retryDelay(3, { random: () => 0.5 }); // 3000 (4 s base, jittered between 2 s and 4 s)
 * ```
 */
export function retryDelay(failures: number, options: AuditWebhookOptions = {}): number {
  const min = options.minDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 300_000;
  const base = Math.min(max, min * 2 ** Math.min(failures - 1, 30));
  return Math.round(base / 2 + (base / 2) * (options.random ?? Math.random)());
}

/**
 * Streams the audit log to `audit.webhook.url`: after each commit, at start
 * and every `pollMs`, POSTs the records after the `webhook` cursor as a
 * JSON array, signed like the SMS webhook, and moves the cursor only on a
 * 2xx answer. A failure is retried with {@link retryDelay}. Requests never
 * wait for it. With several nodes on one database, only the node holding
 * the cursor's lease delivers (the others stand by and take over within
 * `leaseSeconds` of it stopping), so each batch is sent once; it is sent
 * again only when a node stops between the receiver's 2xx and the cursor
 * move, or a POST outlives the lease. Each record carries `seq` and `hash`:
 * a receiver drops a `seq` it already has and can check the chain itself.
 *
 * @param db - database (the cursor, its lease and the records)
 * @param audit - the log whose commits wake the delivery
 * @param settings - `audit.webhook`
 * @param logger - delivery failures are logged
 * @param options - tuning
 * @example
 * ```ts
 * const webhook = createAuditWebhook(db, services.audit, config.audit.webhook, logger);
 * webhook.start();
 * await webhook.close();
 * ```
 */
export function createAuditWebhook(
  db: Db,
  audit: AuditLog,
  settings: NonNullable<AuditConfig['webhook']>,
  logger: Logger,
  options: AuditWebhookOptions = {},
): AuditWebhook {
  const batchSize = options.batchSize ?? 100;
  const pollMs = options.pollMs ?? 2_000;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const owner = randomUUID();
  const now = () => Math.floor(Date.now() / 1000);
  let started = false;
  let closed = false;
  let again = false;
  let running: Promise<void> | undefined;
  let wait: { timer: NodeJS.Timeout; wakeable: boolean; resolve(): void } | undefined;

  function sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      wait = { timer: setTimeout(resolve, ms), wakeable, resolve: () => resolve() };
    }).finally(() => { wait = undefined; });
  }

  function interrupt(): void {
    if (!wait) return;
    clearTimeout(wait.timer);
    wait.resolve();
  }

  /** POSTs one batch if this node holds the lease. */
  async function deliverBatch(): Promise<'idle' | 'standby' | 'sent' | 'failed'> {
    if (!(await takeAuditLease(db, AUDIT_WEBHOOK_CURSOR, owner, now(), leaseSeconds))) return 'standby';
    const from = (await auditCursor(db, AUDIT_WEBHOOK_CURSOR)) + 1;
    const batch = [];
    for await (const record of readAuditEvents(db, { fromSeq: from, pageSize: batchSize })) {
      batch.push(auditRecordJson(record));
      if (batch.length === batchSize) break;
    }
    if (batch.length === 0) return 'idle';
    const body = JSON.stringify(batch);
    const last = batch[batch.length - 1]!.seq;
    try {
      const status = await postSignedJson(settings.url, settings.secret, AUDIT_SIGNATURE_HEADER, body, options.timeoutMs ?? 10_000);
      if (status < 200 || status > 299) {
        logger.warn({ status, from, to: last }, 'the audit webhook refused a batch; it will be sent again');
        return 'failed';
      }
    } catch (error) {
      logger.warn({ err: (error as Error).message, from, to: last }, 'the audit webhook could not be reached; the batch will be sent again');
      return 'failed';
    }
    if (!(await moveAuditCursor(db, AUDIT_WEBHOOK_CURSOR, owner, last, now(), leaseSeconds))) {
      logger.warn({ from, to: last }, 'the audit webhook lease passed to another node during a POST; that node may send this batch again');
      return 'standby';
    }
    return 'sent';
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!closed) {
      again = false;
      let outcome: 'idle' | 'standby' | 'sent' | 'failed';
      try {
        outcome = await deliverBatch();
      } catch (error) {
        // The database itself failed (a restart, a failover): wait as for a refused batch.
        logger.error({ err: error }, 'audit webhook delivery failed');
        outcome = 'failed';
      }
      if (outcome === 'sent') {
        failures = 0;
      } else if (outcome === 'failed') {
        failures += 1;
        await sleep(retryDelay(failures, options), false);
      } else if (!again) {
        // Caught up, or another node delivers: look again at the next poll
        // (other nodes' commits do not wake this one) or at a local commit.
        await sleep(pollMs, true);
      }
    }
  }

  function wake(): void {
    if (!started || closed) return;
    again = true;
    if (wait?.wakeable) interrupt();
    running ??= run().finally(() => { running = undefined; });
  }

  audit.onCommitted(() => wake());

  return {
    start() {
      started = true;
      wake();
    },
    async close() {
      closed = true;
      interrupt();
      await running;
      // Another node takes over now rather than when the lease runs out.
      if (started) {
        await releaseAuditLease(db, AUDIT_WEBHOOK_CURSOR, owner).catch((error: unknown) =>
          logger.warn({ err: (error as Error).message }, 'could not release the audit webhook lease; another node takes over when it runs out'));
      }
    },
  };
}
