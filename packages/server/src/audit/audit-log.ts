import type { AuditEventInput, AuditRecord } from '@stepwise/core';
import type { Logger } from 'pino';
import { appendAuditEvents, appendAuditEventsWithin } from '../storage/audit-events.js';
import type { Db } from '../storage/database.js';

/** Where flows and handlers write audit events. */
export interface AuditLog {
  /**
   * Appends one event and resolves once it is committed, so a caller that
   * awaits it before answering never tells a user about a step-up the log
   * could lose in a crash. Events recorded while a write is in flight are
   * committed together in the next one (group commit), which keeps the
   * cost per request low under load.
   *
   * @param event - what happened; `at` defaults to now
   * @throws what the database threw: the caller's request fails rather than go unlogged
   */
  record(event: Omit<AuditEventInput, 'at'> & { readonly at?: number }): Promise<AuditRecord>;
  /**
   * Appends one event in the same transaction as the change it reports,
   * so that neither can be committed without the other (a challenge
   * satisfied and its `step_up_satisfied` event, even across a crash).
   *
   * @param event - what happened; `at` defaults to now
   * @param change - the change, given the transaction; resolves false when it did not apply (nothing is then written)
   * @returns the record, or `undefined` when the change did not apply
   */
  recordWith(event: Omit<AuditEventInput, 'at'> & { readonly at?: number }, change: (trx: Db) => Promise<boolean>): Promise<AuditRecord | undefined>;
  /** Listeners called after each committed batch (the webhook, metrics). */
  onCommitted(listener: (records: readonly AuditRecord[]) => void): void;
  /** Waits for every event recorded so far to be committed. */
  flush(): Promise<void>;
}

interface Pending {
  readonly event: AuditEventInput;
  resolve(record: AuditRecord): void;
  reject(error: unknown): void;
}

/** At most this many events in one transaction. */
const MAX_BATCH = 500;

/**
 * The audit log over the database: one writer loop per process that takes
 * whatever events are waiting, appends them in one transaction (see
 * `appendAuditEvents`), and resolves each caller with its record.
 *
 * @param db - database
 * @param dialect - for the head lock
 * @param logger - for listener failures
 * @param nowMs - clock in epoch milliseconds
 * @example
 * ```ts
 * const audit = createAuditLog(database.db, database.dialect, logger);
 * await audit.record({ type: 'step_up_satisfied', subject: user.id, outcome: 'totp' });
 * ```
 */
export function createAuditLog(db: Db, dialect: 'sqlite' | 'postgres', logger: Logger, nowMs: () => number = Date.now): AuditLog {
  let queue: Pending[] = [];
  let writing: Promise<void> | undefined;
  const listeners: Array<(records: readonly AuditRecord[]) => void> = [];

  function notify(records: readonly AuditRecord[]): void {
    for (const listener of listeners) {
      try {
        listener(records);
      } catch (error) {
        logger.error({ err: error }, 'an audit listener failed');
      }
    }
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        const records = await appendAuditEvents(db, dialect, batch.map((pending) => pending.event));
        batch.forEach((pending, index) => pending.resolve(records[index]!));
        notify(records);
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  function kick(): void {
    writing ??= drain().finally(() => {
      writing = undefined;
      // Events that arrived after the last look: write them too.
      if (queue.length > 0) kick();
    });
  }

  return {
    record(event) {
      return new Promise<AuditRecord>((resolve, reject) => {
        queue.push({ event: { ...event, at: event.at ?? nowMs() }, resolve, reject });
        kick();
      });
    },
    async recordWith(event, change) {
      const record = await db.transaction().execute(async (trx) => {
        if (!(await change(trx))) return undefined;
        return (await appendAuditEventsWithin(trx, dialect, [{ ...event, at: event.at ?? nowMs() }]))[0];
      });
      if (record) notify([record]);
      return record;
    },
    onCommitted(listener) {
      listeners.push(listener);
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
