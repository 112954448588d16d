import type { AuditEventInput, AuditRecord } from '@stepwise/core';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import { appendAuditEventsWithin, appendOneAfterExpectedHead, type AuditHead } from '../storage/audit-events.js';
import type { Db } from '../storage/database.js';

/** An event to record: `at` defaults to now. */
export type NewAuditEvent = Omit<AuditEventInput, 'at'> & { readonly at?: number };

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
  record(event: NewAuditEvent): Promise<AuditRecord>;
  /**
   * Appends one event in the same transaction as the change it reports,
   * so that neither can be committed without the other (a challenge
   * satisfied and its `step_up_satisfied` event, even across a crash).
   * Changes recorded together share one transaction (group commit), each
   * in a savepoint of its own: one that fails or does not apply leaves the
   * others' writes alone. A change must write through the transaction it
   * is given, never through the database handle (on SQLite that waits for
   * the one connection the transaction holds).
   *
   * @param event - what happened, or several events that stand or fall with the change (the first is the one returned); `at` defaults to now
   * @param change - the change, given the transaction; resolves false when it did not apply (nothing is then written)
   * @returns the (first) record, or `undefined` when the change did not apply
   */
  recordWith(event: NewAuditEvent | readonly NewAuditEvent[], change: (trx: Db) => Promise<boolean>): Promise<AuditRecord | undefined>;
  /** Listeners called after each committed batch (the webhook, metrics). */
  onCommitted(listener: (records: readonly AuditRecord[]) => void): void;
  /** Waits for every event recorded so far to be committed. */
  flush(): Promise<void>;
}

interface Pending {
  /** One for `record`; for `recordWith`, every event that reports the change. */
  readonly events: readonly AuditEventInput[];
  /** The change the events report, for `recordWith`; absent for `record`. */
  readonly change?: ((trx: Db) => Promise<boolean>) | undefined;
  resolve(record: AuditRecord | undefined): void;
  reject(error: unknown): void;
}

/** At most this many events in one transaction. */
const MAX_BATCH = 500;

/** Thrown inside a one-item batch whose change did not apply: rolls it back. */
const NOT_APPLIED = Symbol('change not applied');

const savepoint = sql`savepoint audit_change`;
const rollbackToSavepoint = sql`rollback to savepoint audit_change`;

/** The head after these records: the one with the highest `seq`. */
function headOf(records: readonly AuditRecord[]): AuditHead | undefined {
  let last: AuditRecord | undefined;
  for (const record of records) if (!last || record.seq > last.seq) last = record;
  return last && { seq: last.seq, hash: last.hash };
}

/** What one queued item came to inside its batch's transaction. */
type Outcome = { readonly records: readonly AuditRecord[] } | { readonly error: unknown };

/**
 * The audit log over the database: one writer loop per process that takes
 * whatever is waiting (plain events, and changes with the event that
 * reports them), writes them in one transaction (see
 * `appendAuditEventsWithin`), and resolves each caller once it committed.
 * Its first batch starts after the requests that arrived together have
 * queued their writes (`setImmediate`), so that under load one durable
 * commit serves many step-ups: on SQLite with `synchronous=FULL` a commit
 * holds the main thread for about 190 µs, most of a step-up's time.
 * Each change runs inside a savepoint of its own, so one that fails or
 * does not apply leaves the others' writes alone.
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
  // The head as this writer last committed it: PostgreSQL appends after it
  // without reading it first, and reads it only when another node moved it
  // (see appendOneAfterExpectedHead). Forgotten when a batch fails.
  let committedHead: AuditHead | undefined;

  function notify(records: readonly AuditRecord[]): void {
    if (records.length === 0) return;
    for (const listener of listeners) {
      try {
        listener(records);
      } catch (error) {
        logger.error({ err: error }, 'an audit listener failed');
      }
    }
  }

  /**
   * A change and its events, in a savepoint of the batch's transaction,
   * linked after `head` (read and locked here when the batch holds none yet).
   * The savepoint is never released: the next change opens one of the same
   * name on top of it, and rolling back goes to the latest. That saves a
   * round trip per change, and a release would only fold it into the
   * transaction, which the commit does anyway.
   */
  async function applyInSavepoint(
    trx: Db, events: readonly AuditEventInput[], change: (trx: Db) => Promise<boolean>, head: AuditHead | undefined,
  ): Promise<Outcome> {
    await savepoint.execute(trx);
    try {
      if (await change(trx)) return { records: await appendAuditEventsWithin(trx, dialect, events, heads(head)) };
      await rollbackToSavepoint.execute(trx);
      return { records: [] };
    } catch (error) {
      await rollbackToSavepoint.execute(trx);
      return { error };
    }
  }

  /** The head a batch holds, else the one this writer last committed, to try first. */
  function heads(held: AuditHead | undefined) {
    return held ? { held } : { expected: committedHead };
  }

  /**
   * PostgreSQL: a lone plain event is one autocommit statement after the
   * head this writer last committed, when no other node moved it since.
   *
   * @returns whether it was written
   */
  async function appendAlone(pending: Pending): Promise<boolean> {
    const [event] = pending.events;
    if (dialect !== 'postgres' || !committedHead || pending.change || pending.events.length !== 1 || !event) return false;
    let records: AuditRecord[] | undefined;
    try {
      records = await appendOneAfterExpectedHead(db, committedHead, event);
    } catch (error) {
      committedHead = undefined;
      pending.reject(error);
      return true;
    }
    if (!records) {
      // Another node moved the head: the transaction below reads it.
      committedHead = undefined;
      return false;
    }
    committedHead = headOf(records);
    pending.resolve(records[0]);
    notify(records);
    return true;
  }

  async function writeBatch(trx: Db, batch: readonly Pending[]): Promise<Outcome[]> {
    // One item alone needs no savepoint: the transaction is its own.
    const [only] = batch;
    if (batch.length === 1 && only?.change) {
      if (!(await only.change(trx))) throw NOT_APPLIED;
      return [{ records: await appendAuditEventsWithin(trx, dialect, only.events, heads(undefined)) }];
    }
    // The head is locked by the first append that stays, and followed here:
    // each later append links after the last one that stayed. Locked only
    // then, not at the start, so that other nodes wait for it no longer than
    // before. A change that rolls back takes any lock it took with it, but
    // the head is only followed from appends that stayed, so the next append
    // locks it again.
    let head: AuditHead | undefined;
    const advance = (records: readonly AuditRecord[]) => { head = headOf(records) ?? head; };
    const outcomes: Outcome[] = [];
    let plain: AuditEventInput[] = [];
    const appendPlain = async () => {
      if (plain.length === 0) return;
      const records = await appendAuditEventsWithin(trx, dialect, plain, heads(head));
      advance(records);
      for (const record of records) outcomes.push({ records: [record] });
      plain = [];
    };
    for (const pending of batch) {
      if (!pending.change) {
        plain.push(...pending.events);
        continue;
      }
      await appendPlain();
      const outcome = await applyInSavepoint(trx, pending.events, pending.change, head);
      if ('records' in outcome) advance(outcome.records);
      outcomes.push(outcome);
    }
    await appendPlain();
    return outcomes;
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      if (batch.length === 1 && (await appendAlone(batch[0]!))) continue;
      let outcomes: Outcome[];
      try {
        outcomes = await db.transaction().execute((trx) => writeBatch(trx, batch));
      } catch (error) {
        // A change that did not apply rolled back what it wrote: the head did not move.
        if (error !== NOT_APPLIED) committedHead = undefined;
        for (const pending of batch) {
          if (error === NOT_APPLIED) pending.resolve(undefined);
          else pending.reject(error);
        }
        continue;
      }
      const records: AuditRecord[] = [];
      batch.forEach((pending, index) => {
        const outcome = outcomes[index]!;
        if ('error' in outcome) return pending.reject(outcome.error);
        records.push(...outcome.records);
        pending.resolve(outcome.records[0]);
      });
      committedHead = headOf(records) ?? committedHead;
      notify(records);
    }
  }

  function kick(): void {
    writing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(drain).finally(() => {
      writing = undefined;
      // Events that arrived after the last look: write them too.
      if (queue.length > 0) kick();
    });
  }

  function enqueue(events: readonly NewAuditEvent[], change?: (trx: Db) => Promise<boolean>): Promise<AuditRecord | undefined> {
    return new Promise<AuditRecord | undefined>((resolve, reject) => {
      queue.push({ events: events.map((event) => ({ ...event, at: event.at ?? nowMs() })), change, resolve, reject });
      kick();
    });
  }

  return {
    record: async (event) => (await enqueue([event]))!,
    recordWith: (event, change) => enqueue(Array.isArray(event) ? event : [event as NewAuditEvent], change),
    onCommitted(listener) {
      listeners.push(listener);
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
