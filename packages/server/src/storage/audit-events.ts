import { auditRecordFields, chainEvents, type AuditEventInput, type AuditEventType, type AuditJson, type AuditRecord } from '@stepwise/core';
import { CompiledQuery, type Selectable } from 'kysely';
import type { Db } from './database.js';
import { prepareQuery } from './prepared-query.js';
import type { AuditEventsTable } from './schema.js';

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parsed<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toRecord(row: Selectable<AuditEventsTable>): AuditRecord {
  return {
    seq: row.seq,
    type: row.type as AuditEventType,
    at: row.at,
    actor: row.actor,
    subject: row.subject,
    client: row.client,
    ip: row.ip,
    device: row.device,
    requirement: parsed<AuditJson>(row.requirement),
    rules: parsed<AuditJson[]>(row.rules),
    signals: parsed<AuditJson[]>(row.signals),
    outcome: row.outcome,
    details: parsed<Record<string, AuditJson>>(row.details),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Appends events to the chain in one transaction: locks the head row
 * (`FOR UPDATE` on PostgreSQL, so writers on several nodes take turns; a
 * SQLite database has one writer at a time anyway), links and hashes the
 * events after it, inserts them and moves the head. When this resolves the
 * events are committed.
 *
 * @param db - database
 * @param dialect - which SQL the head lock needs
 * @param events - in order
 * @returns the stored records
 * @example
 * ```ts
 * await appendAuditEvents(db, 'sqlite', [{ type: 'sign_in', at: Date.now(), subject: user.id, outcome: 'pwd' }]);
 * ```
 */
export async function appendAuditEvents(db: Db, dialect: 'sqlite' | 'postgres', events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
  if (events.length === 0) return [];
  return db.transaction().execute((trx) => appendAuditEventsWithin(trx, dialect, events));
}

/**
 * The chain's head, locked until the transaction ends (`FOR UPDATE` on
 * PostgreSQL; a SQLite transaction is the only writer anyway). Lock it
 * outside any savepoint: rolling back to one releases the row locks taken
 * after it.
 *
 * @param trx - an open transaction
 * @param dialect - which SQL the head lock needs
 * @returns the last stored record's `seq` and `hash`
 */
async function lockAuditHead(trx: Db, dialect: 'sqlite' | 'postgres'): Promise<AuditHead> {
  const [head] = (await (dialect === 'postgres' ? lockedHead : plainHead).execute(trx)).rows;
  if (!head) throw new Error('the audit head row is missing');
  return head;
}

/** The last stored record's `seq` and `hash`: where the next append links. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** What an append knows of the head before it starts; see {@link appendAuditEventsWithin}. */
export interface KnownHeads {
  /** The head as this transaction already holds it (locked). */
  readonly held?: AuditHead | undefined;
  /** The head as this node last committed it, possibly moved since by another node. */
  readonly expected?: AuditHead | undefined;
}

/**
 * The body of {@link appendAuditEvents}, inside a transaction the caller
 * opened: the events commit (or roll back) with the caller's own change,
 * such as the challenge state they report.
 *
 * @param trx - an open transaction
 * @param dialect - which SQL the head lock needs
 * @param events - in order
 * @param heads - what is known of the head: `held`, the head as this
 *   transaction already holds it (the last record of an earlier append in
 *   it); else `expected`, the head as this node last committed it, which
 *   PostgreSQL tries first for a single event (see
 *   {@link appendOneAfterExpectedHead}). With neither, or when `expected`
 *   is out of date, the head is read and locked here.
 * @returns the stored records; the last is the new head
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => { await change(trx); await appendAuditEventsWithin(trx, 'sqlite', [event]); });
 * ```
 */
export async function appendAuditEventsWithin(
  trx: Db,
  dialect: 'sqlite' | 'postgres',
  events: readonly AuditEventInput[],
  heads: KnownHeads = {},
): Promise<AuditRecord[]> {
  const [event] = events;
  if (dialect === 'postgres' && events.length === 1 && event) return appendOneOnPostgres(trx, event, heads);
  const { records, head: next } = chainEvents(heads.held ?? await lockAuditHead(trx, dialect), events);
  const rows = records.map(toRow);
  const [only] = rows;
  if (rows.length === 1 && only) {
    await oneEventInsert.execute(trx, ...rowValues(only));
  } else {
    await trx.insertInto('audit_events').values(rows).execute();
  }
  await headUpdate.execute(trx, next.seq, next.hash);
  return records;
}

/**
 * One event on PostgreSQL, always through {@link appendOneAfterExpectedHead}:
 * after the head the transaction holds (which cannot have moved), else
 * after the one this node expects, else after the head read and locked now.
 */
async function appendOneOnPostgres(
  trx: Db, event: AuditEventInput, heads: KnownHeads,
): Promise<AuditRecord[]> {
  const guess = heads.held ?? heads.expected;
  const appended = guess && await appendOneAfterExpectedHead(trx, guess, event);
  if (appended) return appended;
  // An expected head that another node moved: read it, locked, and link after it.
  const locked = heads.held ? undefined : await appendOneAfterExpectedHead(trx, await lockAuditHead(trx, 'postgres'), event);
  if (!locked) throw new Error('the audit head moved while this transaction held its lock');
  return locked;
}

function toRow(record: AuditRecord) {
  const fields = auditRecordFields(record);
  return {
    ...fields,
    requirement: json(fields.requirement),
    rules: json(fields.rules),
    signals: json(fields.signals),
    details: json(fields.details),
    hash: record.hash,
  };
}

function rowValues(row: ReturnType<typeof toRow>): OneEvent {
  return [
    row.seq, row.type, row.at, row.actor, row.subject, row.client, row.ip, row.device,
    row.requirement, row.rules, row.signals, row.outcome, row.details, row.prev_hash, row.hash,
  ];
}

/**
 * PostgreSQL only: one event linked after `expected`, the head as this
 * node last committed it, in one statement with no read before it. The
 * statement moves the head only if it is still at `expected` (the UPDATE
 * waits for the row lock and checks again), and inserts the event only
 * then; the head row stays locked until the transaction ends. One node
 * alone always finds its head: a plain event is then one autocommit
 * statement instead of a transaction of four.
 *
 * @param db - database or open transaction
 * @param expected - the head this node last committed
 * @param event - the event
 * @returns the stored record, or undefined when another writer moved the head first (nothing was written)
 */
export async function appendOneAfterExpectedHead(db: Db, expected: AuditHead, event: AuditEventInput): Promise<AuditRecord[] | undefined> {
  const { records, head: next } = chainEvents(expected, [event]);
  const result = await db.executeQuery(CompiledQuery.raw(APPEND_AFTER_EXPECTED_HEAD, [...rowValues(toRow(records[0]!)), expected.seq, next.seq, next.hash]));
  return Number(result.numAffectedRows ?? 0) === 1 ? records : undefined;
}

// PostgreSQL's own SQL, written out: the casts tell it the parameters'
// types, which an INSERT ... SELECT does not infer from the columns.
const APPEND_AFTER_EXPECTED_HEAD = `with moved as (
  update audit_head set seq = $17::bigint, hash = $18::text where id = 1 and seq = $16::bigint returning seq
)
insert into audit_events (seq, type, at, actor, subject, client, ip, device, requirement, rules, signals, outcome, details, prev_hash, hash)
select $1::bigint, $2::text, $3::bigint, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text, $12::text, $13::text, $14::text, $15::text
from moved`;

/*
 * Every append runs these; one event per append is the usual case (see
 * prepared-query.ts). Batches of several events are built each time.
 */
const plainHead = prepareQuery((db: Db) => db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1));
const lockedHead = prepareQuery((db: Db) => db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate());
const headUpdate = prepareQuery((db: Db, seq: number, hash: string) => db.updateTable('audit_head').set({ seq, hash }).where('id', '=', 1));
type OneEvent = [
  seq: number, type: string, at: number, actor: string | null, subject: string | null, client: string | null, ip: string | null,
  device: string | null, requirement: string | null, rules: string | null, signals: string | null, outcome: string | null,
  details: string | null, prevHash: string, hash: string,
];
const oneEventInsert = prepareQuery((
  db: Db, seq: number, type: string, at: number, actor: string | null, subject: string | null, client: string | null, ip: string | null,
  device: string | null, requirement: string | null, rules: string | null, signals: string | null, outcome: string | null,
  details: string | null, prevHash: string, hash: string,
) => db.insertInto('audit_events').values({
  seq, type, at, actor, subject, client, ip, device, requirement, rules, signals, outcome, details, prev_hash: prevHash, hash,
}));

/** The head the last append recorded: `seq` 0 and 64 zeros for an empty log. */
export async function auditHead(db: Db): Promise<{ seq: number; hash: string }> {
  return db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
}

/** Which events to list. */
export interface AuditFilter {
  /** From this instant (epoch ms), inclusive. */
  readonly since?: number;
  /** Before this instant (epoch ms). */
  readonly until?: number;
  readonly types?: readonly AuditEventType[];
  readonly subject?: string;
  readonly client?: string;
  /** Only events with `seq` below this (the next page, newest first). */
  readonly beforeSeq?: number;
  /** At most this many (default 100, at most 1,000). */
  readonly limit?: number;
}

/**
 * Events matching a filter, newest first, for the console's timeline.
 *
 * @param db - database
 * @param filter - time range, types, subject, client, page
 * @example
 * ```ts
 * const recent = await listAuditEvents(db, { subject: user.id, limit: 20 });
 * ```
 */
export async function listAuditEvents(db: Db, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  let query = db.selectFrom('audit_events').selectAll();
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('at', '<', filter.until);
  if (filter.types && filter.types.length > 0) query = query.where('type', 'in', [...filter.types]);
  if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
  if (filter.client !== undefined) query = query.where('client', '=', filter.client);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1_000);
  const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
  return rows.map(toRecord);
}

/**
 * Every event from `fromSeq` on, oldest first, read in pages so that a
 * long log never sits in memory whole (chain checks, exports, webhooks).
 *
 * @param db - database
 * @param options - where to start (default 1), page size (default 1,000), and an optional time range (epoch ms)
 * @example
 * ```ts
 * for await (const record of readAuditEvents(db)) console.log(record.seq, record.type);
 * ```
 */
export async function* readAuditEvents(
  db: Db,
  options: { fromSeq?: number; pageSize?: number; since?: number; until?: number } = {},
): AsyncGenerator<AuditRecord> {
  let next = options.fromSeq ?? 1;
  const pageSize = options.pageSize ?? 1_000;
  for (;;) {
    let query = db.selectFrom('audit_events').selectAll().where('seq', '>=', next);
    if (options.since !== undefined) query = query.where('at', '>=', options.since);
    if (options.until !== undefined) query = query.where('at', '<', options.until);
    const rows = await query.orderBy('seq', 'asc').limit(pageSize).execute();
    for (const row of rows) yield toRecord(row);
    if (rows.length < pageSize) return;
    next = rows[rows.length - 1]!.seq + 1;
  }
}

/**
 * How far a consumer has delivered (the webhook's cursor), 0 when it never ran.
 *
 * @param db - database
 * @param name - the consumer
 */
export async function auditCursor(db: Db, name: string): Promise<number> {
  const row = await db.selectFrom('audit_cursors').select('seq').where('name', '=', name).executeTakeFirst();
  return row?.seq ?? 0;
}

/**
 * Takes or renews a consumer's lease: true when `owner` now holds it until
 * `now + ttlSeconds`, false while another owner's lease runs. With several
 * nodes, only the lease holder delivers.
 *
 * @param db - database
 * @param name - the consumer
 * @param owner - this node's delivery (a random id per process)
 * @param now - epoch seconds
 * @param ttlSeconds - how long the lease lasts unless renewed
 */
export async function takeAuditLease(db: Db, name: string, owner: string, now: number, ttlSeconds: number): Promise<boolean> {
  await db.insertInto('audit_cursors').values({ name, seq: 0, updated_at: now, lease_owner: null, lease_until: null })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const result = await db.updateTable('audit_cursors')
    .set({ lease_owner: owner, lease_until: now + ttlSeconds })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Gives a lease up (a node stopping), so that another node takes over at once.
 *
 * @param db - database
 * @param name - the consumer
 * @param owner - the holder giving it up; someone else's lease is left alone
 */
export async function releaseAuditLease(db: Db, name: string, owner: string): Promise<void> {
  await db.updateTable('audit_cursors').set({ lease_owner: null, lease_until: null })
    .where('name', '=', name).where('lease_owner', '=', owner)
    .execute();
}

/**
 * Moves a consumer's cursor after a delivery, if `owner` still holds the
 * lease (and renews it). False when the lease was lost meanwhile: another
 * node delivers from the cursor, so the batch may reach the receiver twice.
 *
 * @param db - database
 * @param name - the consumer
 * @param owner - the lease holder that delivered
 * @param seq - the last delivered event
 * @param now - epoch seconds
 * @param ttlSeconds - the renewed lease's length
 */
export async function moveAuditCursor(db: Db, name: string, owner: string, seq: number, now: number, ttlSeconds: number): Promise<boolean> {
  const result = await db.updateTable('audit_cursors')
    .set({ seq, updated_at: now, lease_until: now + ttlSeconds })
    .where('name', '=', name).where('lease_owner', '=', owner).where('seq', '<', seq)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
